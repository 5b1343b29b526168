package io.inmesh.spring.client.routing;

import io.inmesh.spring.MeshClient;
import okhttp3.OkHttpClient;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The application of the @MeshClient routing tests: clients injected into fields, constructor parameters and
 * {@code @Bean} method parameters (with placeholders), and customizers of Spring Boot's builders that the mesh's
 * clients must keep.
 */
@SpringBootApplication
public class ClientTestApplication {

    /** A {@code @Bean} method parameter with a placeholder ({@code ratings.service=ratings:9080}). */
    @Bean
    RatingsApi ratingsApi(@MeshClient("${ratings.service}") RestClient client) {
        return new RatingsApi(client);
    }

    /** A placeholder inside a URL ({@code ratings.host=ratings}), and one with a default. */
    @Bean
    ReactiveRatingsApi reactiveRatingsApi(@MeshClient("http://${ratings.host}:${ratings.port:9080}") WebClient client) {
        return new ReactiveRatingsApi(client);
    }

    @Bean
    RestClientCustomizer restCustomizer() {
        return builder -> builder.defaultHeader("x-customized", "rest");
    }

    @Bean
    WebClientCustomizer webCustomizer() {
        return builder -> builder.defaultHeader("x-customized", "web");
    }

    /** Holds the RestClient of a {@code @Bean} parameter. */
    public record RatingsApi(RestClient client) {
    }

    /** Holds the WebClient of a {@code @Bean} parameter. */
    public record ReactiveRatingsApi(WebClient client) {
    }

    /** Field injection. */
    @Component
    public static class FieldInjected {
        @MeshClient("ratings:9080")
        RestClient rest;
        @MeshClient("ratings:9080")
        RestClient sameRest;
        @MeshClient("ratings:9081")
        RestClient otherPort;
        @MeshClient("ratings:9080")
        WebClient web;
        @MeshClient("ratings:9080")
        WebClient sameWeb;
        @MeshClient("ratings")
        RestClient port80;
        @MeshClient("ratings")
        OkHttpClient okHttp;
        @MeshClient("reviews")
        OkHttpClient otherOkHttp;
        @MeshClient("ratings:9080")
        RestClient.Builder restBuilder;
        @MeshClient("ratings:9080")
        RestClient.Builder otherRestBuilder;
        @MeshClient("ratings:9080")
        WebClient.Builder webBuilder;
    }

    /** Constructor injection, with a full base URL and a name.namespace. */
    @Component
    public static class ConstructorInjected {
        final RestClient rest;
        final WebClient web;

        ConstructorInjected(@MeshClient("http://ratings:9080") RestClient rest,
                            @MeshClient("ratings.default:9080") WebClient web) {
            this.rest = rest;
            this.web = web;
        }
    }
}

package io.inmesh.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Injects an HTTP client whose calls go through the mesh: routing, retries, timeouts, fault injection, mirroring,
 * outlier detection, mutual TLS, spans and Istio's metrics, as the mesh's YAML says, by the same core as
 * {@link io.inmesh.okhttp.MeshOkHttp}.
 *
 * <pre>{@code
 * @Service
 * class ProductPage {
 *     @MeshClient("reviews:9080")
 *     RestClient reviews;                                       // a field
 *
 *     ProductPage(@MeshClient("details:9080") WebClient details) {   // a constructor parameter
 *     }
 *
 *     reviews.get().uri("/reviews/{id}", id).retrieve().body(Reviews.class);   // http://reviews:9080/reviews/1
 * }
 *
 * @Bean
 * RatingsApi ratingsApi(@MeshClient("${ratings.url:ratings:9080}") RestClient.Builder ratings) {  // a @Bean parameter
 *     return new RatingsApi(ratings.defaultHeader("x-app", "shop").build());
 * }
 * }</pre>
 *
 * <p><b>Where.</b> On a field, a constructor parameter, a method parameter of an {@code @Autowired} method or of a
 * {@code @Bean} method. The annotation is an {@link Autowired @Autowired} of its own, so an annotated field needs
 * nothing else.
 *
 * <p><b>Types.</b>
 * <ul>
 *   <li>{@code org.springframework.web.client.RestClient} and {@code RestClient.Builder} (needs spring-web);</li>
 *   <li>{@code org.springframework.web.reactive.function.client.WebClient} and {@code WebClient.Builder} (needs
 *       spring-webflux);</li>
 *   <li>{@code okhttp3.OkHttpClient}.</li>
 * </ul>
 * Any other type fails start-up with a message naming the injection point and these types.
 *
 * <p><b>The value</b> names the service: {@code ratings}, {@code ratings.default} (a service of another namespace),
 * {@code ratings:9080}, or a base URL {@code http://ratings:9080} / {@code https://ratings.example.com/api}.
 * {@code ${...}} placeholders are resolved. RestClient and WebClient get it as their base URL ({@code http://}
 * and the value when it has no scheme; without a port that is port 80, so name the service's port as it is declared,
 * e.g. {@code ratings:9080}). An OkHttpClient takes absolute URLs, so for it the value only documents the service it
 * calls: it is the mesh's client, the same for every value.
 *
 * <p><b>Built from the application's builders.</b> RestClient and WebClient come from Spring Boot's
 * auto-configured {@code RestClient.Builder} / {@code WebClient.Builder} when there is one (cloned: the application's
 * message converters, codecs, customizers and observation settings apply), else from {@code RestClient.builder()} /
 * {@code WebClient.builder()}; the mesh sets the base URL and the request factory / connector. Boot's HTTP client
 * settings ({@code spring.http.clients.*}) are not applied: timeouts are the mesh's (VirtualService timeouts,
 * retries) and the OkHttpClient's.
 *
 * <p><b>One OkHttpClient.</b> Every client goes through the mesh's {@code OkHttpClient} bean (see
 * {@link MeshAutoConfiguration}). When the application defines its own {@code OkHttpClient} bean, that bean is used
 * if it goes through the mesh ({@link io.inmesh.okhttp.MeshOkHttp#configure}); if it does not, the @MeshClient
 * clients use a client of their own made with {@link io.inmesh.okhttp.MeshOkHttp#newClient} and the application's
 * bean is left as it is.
 *
 * <p><b>Instances.</b> OkHttpClient, RestClient and WebClient are created once per type and value and shared by
 * every injection point asking for them (they are thread-safe and immutable). Each injection of a
 * {@code RestClient.Builder} or {@code WebClient.Builder} gets a builder of its own (builders are mutable).
 *
 * <p><b>{@code mesh.enabled=false}.</b> The kill switch takes the mesh out, not the application's clients:
 * {@code @MeshClient} still injects clients with the same base URLs, which call the services directly (DNS, no
 * routing, no retries, no mTLS), over the application's unique {@code OkHttpClient} bean if it has one, else a
 * plain OkHttpClient.
 *
 * <p>Needs {@code io.inmesh:mesh-okhttp} (and OkHttp) on the classpath; without it an annotated injection point
 * fails start-up saying so.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Autowired
public @interface MeshClient {

    /**
     * The service: {@code ratings}, {@code ratings.default}, {@code ratings:9080}, or a base URL
     * {@code http://ratings:9080}; {@code ${...}} placeholders are resolved.
     */
    String value();
}

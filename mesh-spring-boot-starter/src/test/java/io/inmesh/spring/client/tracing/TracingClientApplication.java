package io.inmesh.spring.client.tracing;

import io.inmesh.spring.MeshClient;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A WebFlux application whose handlers call {@code ratings} through {@code @MeshClient} clients, with an
 * OpenTelemetry SDK exporting to memory (parent-based, always on).
 */
@SpringBootApplication
@org.springframework.context.annotation.Import(io.inmesh.spring.InMemoryTracing.class)
public class TracingClientApplication {

    @RestController
    static class Endpoints {
        private final WebClient ratings;
        private final RestClient blockingRatings;

        Endpoints(@MeshClient("ratings:9080") WebClient ratings,
                  @MeshClient("ratings:9080") RestClient blockingRatings) {
            this.ratings = ratings;
            this.blockingRatings = blockingRatings;
        }

        /** Calls ratings with the WebClient, as the handler's result. */
        @GetMapping("/web")
        Mono<String> web() {
            return ratings.get().uri("/r/web").retrieve().bodyToMono(String.class);
        }

        /** Hops to a timer thread first, then calls ratings with the WebClient. */
        @GetMapping("/web-later")
        Mono<String> webLater() {
            return Mono.delay(Duration.ofMillis(20))
                    .flatMap(x -> ratings.get().uri("/r/web-later").retrieve().bodyToMono(String.class));
        }

        /** Calls ratings with the RestClient on boundedElastic. */
        @GetMapping("/rest")
        Mono<String> rest() {
            return Mono.fromCallable(() -> blockingRatings.get().uri("/r/rest").retrieve().body(String.class))
                    .subscribeOn(Schedulers.boundedElastic());
        }
    }
}

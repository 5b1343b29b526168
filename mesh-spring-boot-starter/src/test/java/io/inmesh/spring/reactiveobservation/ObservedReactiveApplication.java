package io.inmesh.spring.reactiveobservation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A WebFlux application with Spring Boot's own tracing (Micrometer Tracing over Boot's OpenTelemetry SDK), whose
 * {@code HttpWebHandlerAdapter} observes every exchange and so starts a server span for it. Finished spans go to
 * {@link #SPANS}.
 */
@SpringBootApplication
public class ObservedReactiveApplication {
    /** Not a bean: Boot would also export to a SpanExporter bean through its batch processor. */
    public static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @Bean
    SpanProcessor inMemory() {
        return SimpleSpanProcessor.create(SPANS);
    }

    @RestController
    static class Endpoints {
        private final OkHttpClient client;

        Endpoints(OkHttpClient client) {
            this.client = client;
        }

        @GetMapping("/hello")
        Mono<String> hello() {
            return Mono.just("hello " + Span.current().getSpanContext().getTraceId());
        }

        @GetMapping("/denied")
        Mono<String> denied() {
            return Mono.just("the application should never see this");
        }

        @GetMapping("/call")
        Mono<String> call(@RequestParam int port) {
            return Mono.fromCallable(() -> {
                try (Response r = client.newCall(new Request.Builder()
                        .url("http://127.0.0.1:" + port + "/downstream").build()).execute()) {
                    return "downstream said " + r.code();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).subscribeOn(Schedulers.boundedElastic());
        }
    }
}

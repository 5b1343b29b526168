package io.inmesh.spring.observation;

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

/**
 * An application with Spring Boot's own tracing (spring-boot-starter-opentelemetry: Micrometer Tracing over Boot's
 * OpenTelemetry SDK), whose {@code ServerHttpObservationFilter} starts a server span for every request. Finished
 * spans go to {@link #SPANS} through a span processor bean that Boot adds to its tracer provider.
 */
@SpringBootApplication
public class ObservedApplication {
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
        String hello() {
            return "hello " + Span.current().getSpanContext().getTraceId();
        }

        @GetMapping("/denied")
        String denied() {
            return "the application should never see this";
        }

        @GetMapping("/call")
        String call(@RequestParam int port) throws IOException {
            try (Response r = client.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/downstream")
                    .build()).execute()) {
                return "downstream said " + r.code();
            }
        }
    }
}

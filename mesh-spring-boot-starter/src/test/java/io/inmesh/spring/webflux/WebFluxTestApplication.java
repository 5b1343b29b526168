package io.inmesh.spring.webflux;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The application of the WebFlux tests: an OpenTelemetry SDK exporting to memory (parent-based, always on), and a
 * controller that answers, hops threads, calls a downstream server through the mesh's {@code OkHttpClient}, and
 * never answers (for the cancellation test). What trace each piece of code saw is kept in {@link #SEEN}, with the
 * thread it ran on in {@link #THREADS}, keyed by a label.
 */
@SpringBootApplication
@org.springframework.context.annotation.Import(io.inmesh.spring.InMemoryTracing.class)
public class WebFluxTestApplication {
    /** The trace id current in a piece of code, by label ("-" when none). */
    public static final Map<String, String> SEEN = new ConcurrentHashMap<>();
    /** The thread a piece of code ran on, by label. */
    public static final Map<String, String> THREADS = new ConcurrentHashMap<>();
    /** Counted down when the never-answering endpoint was called. */
    public static volatile CountDownLatch hanging = new CountDownLatch(1);

    @Bean
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry meterRegistry() {
        return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }

    @Bean(destroyMethod = "dispose")
    Scheduler workers() {
        return Schedulers.newParallel("app-workers", 2);
    }

    static String currentTrace() {
        Span span = Span.current();
        return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : "-";
    }

    static void see(String label) {
        SEEN.put(label, currentTrace());
        THREADS.put(label, Thread.currentThread().getName());
    }

    @RestController
    static class Endpoints {
        private final OkHttpClient client;
        private final Scheduler workers;

        Endpoints(OkHttpClient client, Scheduler workers) {
            this.client = client;
            this.workers = workers;
        }

        @GetMapping("/hello")
        Mono<String> hello(@org.springframework.web.bind.annotation.RequestHeader(value = "x-block", required = false)
                           java.util.List<String> block) {
            see("/hello");
            if (block != null) {
                SEEN.put("x-block", String.join("|", block));
            }
            return Mono.just("hello");
        }

        @PostMapping("/echo")
        Mono<String> echo(@RequestBody Mono<String> body) {
            return body;
        }

        @GetMapping("/denied")
        Mono<String> denied() {
            see("/denied");
            return Mono.just("the application should never see this");
        }

        @GetMapping("/boom")
        Mono<String> boom() {
            return Mono.error(new IllegalStateException("boom"));
        }

        /**
         * Hops threads three times (a timer, boundedElastic, the application's own scheduler), then calls downstream
         * through the mesh synchronously on boundedElastic.
         */
        @GetMapping("/hops")
        Mono<String> hops(@RequestParam int port) {
            see("hops handler");
            return Mono.delay(Duration.ofMillis(50))
                    .doOnNext(x -> see("hops delay"))
                    .publishOn(Schedulers.boundedElastic())
                    .map(x -> {
                        see("hops publishOn");
                        return x;
                    })
                    .flatMap(x -> Mono.fromCallable(() -> {
                        see("hops fromCallable");
                        return x;
                    }).subscribeOn(workers))
                    .publishOn(Schedulers.boundedElastic())
                    .map(x -> {
                        see("hops call");
                        try (Response r = client.newCall(new Request.Builder()
                                .url("http://127.0.0.1:" + port + "/downstream").build()).execute()) {
                            return "downstream said " + r.code() + " " + r.body().string();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
        }

        /** Never answers: the client gives up. */
        @GetMapping("/hang")
        Mono<String> hang() {
            see("/hang");
            hanging.countDown();
            return Mono.never();
        }
    }
}

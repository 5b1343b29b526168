package io.inmesh.spring.web;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The application of the web tests: an OpenTelemetry SDK exporting to memory (parent-based, always on), and a
 * controller that answers, calls a downstream server through the mesh's {@code OkHttpClient}, and answers
 * asynchronously. What trace each piece of code saw is kept in {@link #SEEN}, keyed by a label.
 */
@SpringBootApplication
@org.springframework.context.annotation.Import(io.inmesh.spring.InMemoryTracing.class)
public class WebTestApplication {
    /** The trace id current in a piece of code, by label ("-" when none). */
    public static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @Bean
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry meterRegistry() {
        return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }

    @Bean(destroyMethod = "shutdownNow")
    ExecutorService workers() {
        return Executors.newFixedThreadPool(2);
    }

    static String currentTrace() {
        Span span = Span.current();
        return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : "-";
    }

    /** Records the trace current when Spring MVC completes each request (in the async dispatch for async ones). */
    @Bean
    WebMvcConfigurer seenAtCompletion() {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(new HandlerInterceptor() {
                    @Override
                    public void afterCompletion(HttpServletRequest request, HttpServletResponse response,
                                                Object handler, Exception ex) {
                        SEEN.put(request.getRequestURI() + " afterCompletion", currentTrace());
                    }
                });
            }
        };
    }

    @RestController
    static class Endpoints {
        private final OkHttpClient client;
        private final ExecutorService workers;

        Endpoints(OkHttpClient client, ExecutorService workers) {
            this.client = client;
            this.workers = workers;
        }

        @GetMapping("/hello")
        String hello(@org.springframework.web.bind.annotation.RequestHeader(value = "x-block", required = false)
                     java.util.List<String> block) {
            SEEN.put("/hello", currentTrace());
            if (block != null) {
                SEEN.put("x-block", String.join("|", block));
            }
            return "hello";
        }

        @org.springframework.web.bind.annotation.PostMapping("/echo")
        String echo(@org.springframework.web.bind.annotation.RequestBody String body) {
            return body;
        }

        @GetMapping("/request-type")
        String requestType(HttpServletRequest request) {
            return request.getClass().getName();
        }

        @GetMapping("/denied")
        String denied() {
            SEEN.put("/denied", currentTrace());
            return "the application should never see this";
        }

        @GetMapping("/boom")
        String boom() {
            throw new IllegalStateException("boom");
        }

        @GetMapping("/call")
        String call(@RequestParam int port) throws IOException {
            try (Response r = client.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/downstream")
                    .build()).execute()) {
                return "downstream said " + r.code() + " " + r.body().string();
            }
        }

        /** Completes on a thread of the application's own pool, without carrying the context. */
        @GetMapping("/async/future")
        CompletableFuture<String> future() {
            return CompletableFuture.supplyAsync(() -> {
                sleep(200);
                SEEN.put("/async/future continuation", currentTrace());
                return "future";
            }, workers);
        }

        /** A Callable, which Spring MVC runs on its own task executor. */
        @GetMapping("/async/callable")
        java.util.concurrent.Callable<String> callable() {
            return () -> {
                sleep(200);
                SEEN.put("/async/callable continuation", currentTrace());
                return "callable";
            };
        }

        /** Completes on a thread of a pool wrapped with the OpenTelemetry context: the trace follows. */
        @GetMapping("/async/wrapped")
        CompletableFuture<String> wrapped() {
            return CompletableFuture.supplyAsync(() -> {
                sleep(200);
                SEEN.put("/async/wrapped continuation", currentTrace());
                return "wrapped";
            }, Context.current().wrap(workers));
        }

        /** A DeferredResult set later from another thread; calls downstream from there with the captured context. */
        @GetMapping("/async/deferred")
        @SuppressWarnings("try")
        DeferredResult<String> deferred(@RequestParam int port) {
            DeferredResult<String> result = new DeferredResult<>(5_000L);
            Context captured = Context.current();
            workers.execute(() -> {
                sleep(200);
                try (var ignored = captured.makeCurrent();
                     Response r = client.newCall(new Request.Builder()
                             .url("http://127.0.0.1:" + port + "/downstream").build()).execute()) {
                    result.setResult("deferred " + r.code());
                } catch (IOException e) {
                    result.setErrorResult(e);
                }
            });
            return result;
        }

        private static void sleep(long millis) {
            try {
                TimeUnit.MILLISECONDS.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

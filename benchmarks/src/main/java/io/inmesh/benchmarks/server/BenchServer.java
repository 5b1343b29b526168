package io.inmesh.benchmarks.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server application of every variant of the load harness: a Spring Boot MVC application on Tomcat with the
 * InMesh starter, answering {@code GET /data} with 1 KiB. The plain and nginx variants start it with
 * {@code mesh.enabled=false} (the starter then adds nothing); the mesh variants with the mesh on, its Istio metrics in
 * a Prometheus registry and its spans in an OpenTelemetry SDK (parent-based sampling; a batch processor hands them to
 * an exporter that drops them, as an application exporting asynchronously would).
 *
 * <p>{@code GET /bench/check} is for the harness's sanity checks, never measured: it tells whether the request
 * carried a {@code traceparent}, whether the mesh is on, and the {@code istio_requests_total} series recorded so far.
 * {@code GET /bench/allocated} tells the bytes the JVM's live threads allocated so far (read around a closed-loop
 * phase for the server's allocation per request); {@code GET /bench/jit} the milliseconds its JIT compilers spent so
 * far (the harness warms up until it stops growing).
 *
 * <p>Run with the benchmarks module's classpath ({@code target/classes} and {@code target/classpath.txt}) and Spring
 * Boot arguments, e.g. {@code --server.port=8080 --mesh.enabled=false}.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class BenchServer {
    static final byte[] BODY = new byte[1024];

    static {
        Arrays.fill(BODY, (byte) 'x');
    }

    public static void main(String[] args) {
        SpringApplication.run(BenchServer.class, args);
    }

    /** Where the mesh records Istio's metrics (reporter=destination). */
    @Bean
    PrometheusMeterRegistry prometheusMeterRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** The application's tracing SDK; the mesh's server spans go here. */
    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry() {
        return sdk();
    }

    /** An SDK with parent-based sampling whose spans are batched and dropped. */
    public static OpenTelemetrySdk sdk() {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                        .addSpanProcessor(BatchSpanProcessor.builder(new DroppingExporter()).build())
                        .build())
                .build();
    }

    /** Accepts spans and forgets them. */
    static final class DroppingExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @RestController
    static class Endpoints {
        private final PrometheusMeterRegistry registry;
        private final boolean meshOn;

        Endpoints(PrometheusMeterRegistry registry, org.springframework.core.env.Environment environment) {
            this.registry = registry;
            this.meshOn = environment.getProperty("mesh.enabled", Boolean.class, true);
        }

        /** The measured answer: 200 with 1 KiB. */
        @GetMapping(path = "/data", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
        ResponseEntity<byte[]> data() {
            return ResponseEntity.ok(BODY);
        }

        /**
         * Bytes allocated so far by the JVM's live threads (Tomcat's workers among them), for the harness's
         * allocation per request: read before and after a closed-loop phase.
         */
        @GetMapping(path = "/bench/allocated", produces = MediaType.TEXT_PLAIN_VALUE)
        String allocated() {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long sum = 0;
            for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                sum += Math.max(0, b);
            }
            return Long.toString(sum);
        }

        /**
         * Milliseconds the JVM's JIT compilers have spent so far: the harness's warm-up goes on until this stops
         * growing, so that no repetition measures a JVM still compiling its hot path.
         */
        @GetMapping(path = "/bench/jit", produces = MediaType.TEXT_PLAIN_VALUE)
        String jit() {
            return Long.toString(java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        }

        /** What the harness checks once per variant. */
        @GetMapping(path = "/bench/check", produces = MediaType.TEXT_PLAIN_VALUE)
        String check(HttpServletRequest request) {
            String traceparent = request.getHeader("traceparent");
            return "mesh=" + meshOn + "\ntraceparent=" + (traceparent == null ? "-" : traceparent) + "\n"
                    + registry.scrape().lines().filter(l -> l.startsWith("istio_requests_total{"))
                    .collect(Collectors.joining("\n")) + "\n";
        }
    }
}

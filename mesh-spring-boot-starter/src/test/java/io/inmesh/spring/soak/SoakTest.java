package io.inmesh.spring.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.telemetry.MeshTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A soak through the mesh's client and server in one JVM: one million requests ({@code -Dinmesh.soak.requests=N} for
 * another count; about three minutes on two cores) from four threads through a MeshOkHttp client
 * (route with retries and a timeout, outlier detection, spans at 100 %) to a Spring Boot application with the mesh's
 * inbound filter. After the first tenth (warm), and at the end: heap after a full GC, live threads and open file
 * descriptors. Asserts that every request succeeded, that the server recorded every one in
 * {@code istio_requests_total}, that every span started was ended, and that heap, threads and descriptors stayed flat.
 */
class SoakTest {
    static final int THREADS = 4;

    record Gauges(long heapBytes, int threads, long fds) {
        static Gauges now() throws Exception {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
            }
            long fds;
            try (var s = Files.list(Path.of("/proc/self/fd"))) {
                fds = s.count();
            }
            return new Gauges(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                    ManagementFactory.getThreadMXBean().getThreadCount(), fds);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aSoakThroughClientAndServerLosesNothingAndLeaksNothing() throws Exception {
        int total = Integer.getInteger("inmesh.soak.requests", 1_000_000);
        Path config = Files.createTempDirectory("inmesh-soak");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SoakApplication.class)
                .web(WebApplicationType.SERVLET)
                .properties("server.port=0", "server.address=127.0.0.1", "mesh.config.locations=" + config,
                        "mesh.tracing.sampling-percent=100", "server.tomcat.max-keep-alive-requests=-1",
                        "logging.level.root=WARN", io.inmesh.spring.WithoutSpringTracing.EXCLUDE,
                        "management.otlp.metrics.export.enabled=false")
                .run()) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            SoakApplication.SpanCounter spans = app.getBean(SoakApplication.SpanCounter.class);
            var serverMetrics = app.getBean(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class);
            var clientMetrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            try (Mesh client = Mesh.builder().workload(new Workload("default", "soak-client", Map.of()))
                    .telemetry(MeshTelemetry.builder().openTelemetry(app.getBean(OpenTelemetry.class))
                            .samplingPercent(100).meterRegistry(clientMetrics).build())
                    .configFiles(List.of(new ConfigFile("soak.yaml", yaml(port).getBytes(StandardCharsets.UTF_8))))
                    .build()) {
                OkHttpClient http = MeshOkHttp.newClient(client);
                AtomicLong sent = new AtomicLong();
                AtomicLong failed = new AtomicLong();
                long warm = total / 10;
                run(http, warm, sent, failed);
                Gauges before = Gauges.now();
                long started = System.nanoTime();
                run(http, total - warm, sent, failed);
                double seconds = (System.nanoTime() - started) / 1e9;
                await().atMost(Duration.ofSeconds(10)).until(() -> spans.ended.get() == spans.started.get());
                Gauges after = Gauges.now();
                double counted = serverMetrics.find("istio.requests").tag("reporter", "destination").counters().stream()
                        .mapToDouble(c -> c.count()).sum();
                System.out.printf("FAULT soak: requests=%d failed=%d rate=%.0f/s spans-started=%d spans-ended=%d"
                                + " heap-after-gc=%.1f->%.1f MB threads=%d->%d fds=%d->%d istio_requests_total=%.0f"
                                + " client-connections=%d%n",
                        sent.get(), failed.get(), (total - warm) / seconds, spans.started.get(), spans.ended.get(),
                        before.heapBytes() / 1048576.0, after.heapBytes() / 1048576.0, before.threads(),
                        after.threads(), before.fds(), after.fds(), counted, http.connectionPool().connectionCount());
                assertThat(failed.get()).as("failed requests").isZero();
                assertThat(sent.get()).isEqualTo(total);
                assertThat(counted).as("every request recorded by the server (reporter=destination)")
                        .isEqualTo((double) total);
                assertThat(spans.started.get()).as("a client and a server span per request")
                        .isGreaterThanOrEqualTo(2L * total);
                assertThat(spans.ended.get()).as("every started span ended").isEqualTo(spans.started.get());
                assertThat(after.threads()).as("threads").isLessThanOrEqualTo(before.threads() + 4);
                assertThat(after.fds()).as("open file descriptors").isLessThanOrEqualTo(before.fds() + 8);
                assertThat(http.connectionPool().connectionCount()).as("client connections")
                        .isLessThanOrEqualTo(THREADS + 1);
                assertThat(after.heapBytes() - before.heapBytes()).as("heap after GC grew by")
                        .isLessThan(16L * 1024 * 1024);
            }
        }
    }

    private static void run(OkHttpClient http, long n, AtomicLong sent, AtomicLong failed) throws Exception {
        AtomicLong left = new AtomicLong(n);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                fs.add(pool.submit(() -> {
                    Request request = new Request.Builder().url("http://soak:8080/data").build();
                    while (left.getAndDecrement() > 0) {
                        sent.incrementAndGet();
                        try (Response r = http.newCall(request).execute()) {
                            if (r.code() != 200 || r.body().bytes().length != SoakApplication.BODY.length) {
                                failed.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String yaml(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: soak, namespace: default}
                spec:
                  hosts: [soak]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %d}, labels: {app: soak}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: soak, namespace: default}
                spec:
                  hosts: [soak]
                  http:
                  - route: [{destination: {host: soak}}]
                    timeout: 10s
                    retries: {attempts: 2, perTryTimeout: 5s, retryOn: "connect-failure,reset,503"}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: soak, namespace: default}
                spec:
                  host: soak
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
                """.formatted(port);
    }
}

package io.inmesh.benchmarks;

import io.inmesh.Workload;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.internal.ClientCall;
import io.inmesh.telemetry.internal.ServerCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.inmesh.telemetry.internal.metrics.IstioMetrics;
import io.inmesh.telemetry.internal.metrics.PeerLabels;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.TrafficPlane;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-request cost of telemetry on the request path, beside the traffic decision it accompanies:
 * <ul>
 *   <li>{@code server}: extract the incoming trace context, start the server span, end it, record Istio's
 *       reporter=destination metrics;</li>
 *   <li>{@code clientTry}: the client side of one request with one try (the span, the injected headers, the
 *       reporter=source metrics), on top of route selection and endpoint choice; {@code clientDecisionOnly} is the
 *       same request without telemetry, so the difference is what telemetry adds;</li>
 *   <li>{@code extractTraceparent}: the propagator alone ({@code traceparent} and {@code tracestate});</li>
 *   <li>{@code recordClientMetrics}, {@code recordServerMetrics}: Istio's four metrics for one request alone
 *       (reporter=source, reporter=destination), a label combination already seen, into a Prometheus registry.</li>
 * </ul>
 * {@code sampled}: whether the incoming trace (server) or the caller's context (client) is sampled. Spans go to an
 * SDK whose span processor drops them at the end (export is the application's cost, not the mesh's). Run with
 * {@code -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class TelemetryBenchmark {

    static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /** Drops spans as they end, as a batch exporter's queue would take them. */
    static final SpanProcessor DROP = new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }
    };

    @State(Scope.Benchmark)
    public static class Fixture {
        @Param({"true", "false"})
        public boolean sampled;

        TelemetryPlane telemetry;
        TrafficPlane traffic;
        RequestView request;
        Map<String, String> incoming;
        Context callerContext;
        ServerCall.Request serverRequest;

        @Setup(Level.Trial)
        public void setUp() {
            OpenTelemetry otel = OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(DROP).build()).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Workload workload = new Workload("default", "bookinfo-reviews", Map.of("app", "reviews", "version", "v2"));
            telemetry = new TelemetryPlane(MeshTelemetry.builder().openTelemetry(otel).meterRegistry(registry)
                    .samplingPercent(1).build(), workload, "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
            traffic = RouteSelectionFixture.plane(10);
            request = RouteSelectionFixture.requestFor(9);
            RouteSelectionFixture.expectEndpoint(traffic, request);
            incoming = Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"
                    + (sampled ? "01" : "00"), "tracestate", "congo=t61rcWkgMzE");
            callerContext = telemetry.propagator().extract(Context.root(), incoming, GETTER);
            serverRequest = ServerCall.Request.of("GET", "http", "reviews", 9080, "/reviews/1", "10.0.0.9",
                    "HTTP/1.1", null);
        }
    }

    /** Istio's metrics into a Prometheus registry, for a peer and service already seen (sampling plays no part). */
    @State(Scope.Benchmark)
    public static class Metrics {
        IstioMetrics istio;
        PeerLabels peer;

        @Setup(Level.Trial)
        public void setUp() {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Workload workload = new Workload("default", "bookinfo-reviews", Map.of("app", "reviews", "version", "v2"));
            istio = new TelemetryPlane(MeshTelemetry.builder().meterRegistry(registry).build(), workload,
                    "spiffe://cluster.local/ns/default/sa/bookinfo-reviews").istio();
            peer = new PeerLabels("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage",
                    "productpage", "v1", "productpage", "v1");
            istio.recordClient(peer, "reviews.default.svc.cluster.local", 200, 0, true, 1_234_567, 0, 1024);
            if (!registry.scrape().contains("istio_requests_total{")) {
                throw new IllegalStateException("no istio_requests_total in the registry");
            }
        }
    }

    /** Collects injected headers without allocating a map per request. */
    static final TextMapSetter<Blackhole> SINK = (bh, k, v) -> {
        if (bh != null) {
            bh.consume(v);
        }
    };

    @Benchmark
    public void server(Fixture f) {
        ServerCall call = f.telemetry.startServer(f.incoming, GETTER, f.serverRequest);
        call.end(200, null, 0, 1024);
    }

    @Benchmark
    public Object extractTraceparent(Fixture f) {
        return f.telemetry.propagator().extract(Context.root(), f.incoming, GETTER);
    }

    @Benchmark
    public void clientTry(Fixture f, Blackhole bh) {
        MeshCall call = f.traffic.start(f.request);
        ClientCall tel = f.telemetry.startClient(f.callerContext, "GET", false);
        MeshCall.Try t = call.nextTry();
        ClientCall.Try span = tel.startTry(call, t, false, "http", "127.0.0.1", 9080, "/reviews/1", "reviews", 9080);
        tel.inject(span, bh, SINK);
        call.onResponse(t, 200, -1, false, true);
        span.end(200, 0, null, null);
        t.release();
        tel.returned(200);
        tel.end(call, 200, 0, 0, 1024, "/reviews/1", "reviews:9080", "HTTP/1.1");
    }

    /** Istio's client metrics (count, duration, request and response bytes) for one request. */
    @Benchmark
    public void recordClientMetrics(Metrics f) {
        f.istio.recordClient(f.peer, "reviews.default.svc.cluster.local", 200, 0, true, 1_234_567, 0, 1024);
    }

    /** Istio's server metrics for one request. */
    @Benchmark
    public void recordServerMetrics(Metrics f) {
        f.istio.recordServer(f.peer, "reviews.default.svc.cluster.local", 200, 0, true, 1_234_567, 0, 1024);
    }

    @Benchmark
    public void clientDecisionOnly(Fixture f) {
        MeshCall call = f.traffic.start(f.request);
        MeshCall.Try t = call.nextTry();
        call.onResponse(t, 200, -1, false, true);
        t.release();
    }

    /** Not a benchmark: checks the fixture and prints one try's headers. */
    public static void main(String[] args) {
        Fixture f = new Fixture();
        f.sampled = true;
        f.setUp();
        Map<String, String> out = new java.util.TreeMap<>();
        ClientCall tel = f.telemetry.startClient(f.callerContext, "GET", false);
        MeshCall call = f.traffic.start(f.request);
        MeshCall.Try t = call.nextTry();
        ClientCall.Try span = tel.startTry(call, t, false, "http", "127.0.0.1", 9080, "/", "reviews", 9080);
        tel.inject(span, out, Map::put);
        System.out.println(out + " " + Collections.emptyList());
    }
}

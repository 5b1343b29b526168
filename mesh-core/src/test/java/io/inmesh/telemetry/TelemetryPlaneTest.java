package io.inmesh.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.telemetry.internal.ServerCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TelemetryPlaneTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
    private static final Workload WORKLOAD = new Workload("default", "bookinfo-reviews",
            Map.of("app", "reviews", "version", "v2"));

    @AfterEach
    void close() {
        tracerProvider.close();
    }

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

    private TelemetryPlane plane(MeshTelemetry.Builder b) {
        return new TelemetryPlane(b.build(), WORKLOAD, "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
    }

    private static ServerCall.Request request(String method) {
        return ServerCall.Request.of(method, "http", "reviews", 9080, "/reviews/1", "10.0.0.9", "HTTP/1.1", "curl");
    }

    @Test
    void aServerSpanContinuesTheIncomingTraceAndFollowsTheHttpConventions() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0));
        ServerCall call = plane.startServer(Map.of("traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), GETTER, request("GET"));
        call.end(404, null, 0, 10);
        call.end(500, null, 0, 10); // once
        SpanData s = exporter.getFinishedSpanItems().get(0);
        assertThat(exporter.getFinishedSpanItems()).hasSize(1);
        assertThat(s.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(s.getName()).isEqualTo("GET");
        assertThat(s.getTraceId()).as("an incoming sampled flag wins over 0 %")
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(s.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/reviews/1");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("url.scheme"))).isEqualTo("http");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("reviews");
        assertThat(s.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(9080L);
        assertThat(s.getAttributes().get(AttributeKey.stringKey("client.address"))).isEqualTo("10.0.0.9");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("network.protocol.version"))).isEqualTo("1.1");
        assertThat(s.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        assertThat(s.getStatus().getStatusCode()).as("4xx is not a server error").isEqualTo(StatusCode.UNSET);
    }

    @Test
    void serverErrorsAndUnknownMethodsFollowTheConventions() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100));
        ServerCall call = plane.startServer(Map.of(), GETTER, request("FOO"));
        call.end(503, null, 0, 0);
        SpanData s = exporter.getFinishedSpanItems().get(0);
        assertThat(s.getName()).isEqualTo("HTTP");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("_OTHER");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("http.request.method_original"))).isEqualTo("FOO");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(s.getParentSpanContext().isValid()).as("a new trace").isFalse();
    }

    @Test
    void anIncomingUnsampledFlagIsHonouredAndTheContextStillPropagates() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100));
        ServerCall call = plane.startServer(Map.of("traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), GETTER, request("GET"));
        SpanContext sc = Span.fromContext(call.context()).getSpanContext();
        assertThat(sc.isValid()).isTrue();
        assertThat(sc.isSampled()).isFalse();
        assertThat(sc.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(sc.getSpanId()).isNotEqualTo("00f067aa0ba902b7");
        Map<String, String> out = new HashMap<>();
        plane.inject(call.context(), out, Map::put);
        assertThat(out.get("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + sc.getSpanId() + "-00");
        call.end(200, null, 0, 0);
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void theSamplingRatioAppliesToNewTraces() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(10));
        int n = 4000;
        int sampled = 0;
        for (int i = 0; i < n; i++) {
            ServerCall call = plane.startServer(Map.of(), GETTER, request("GET"));
            SpanContext sc = Span.fromContext(call.context()).getSpanContext();
            assertThat(sc.isValid()).isTrue();
            if (sc.isSampled()) {
                sampled++;
            }
            call.end(200, null, 0, 0);
        }
        // binomial(4000, 0.1): mean 400, sd 19; 6 sd either side
        assertThat(sampled).isBetween(286, 514);
        assertThat(exporter.getFinishedSpanItems()).hasSize(sampled);
    }

    @Test
    void anAdoptedServerSpanGetsTheMeshAttributesButIsNotEndedOrDuplicated() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100));
        Span spring = otel.getTracer("spring").spanBuilder("http get").setSpanKind(SpanKind.SERVER).startSpan();
        ServerCall call = plane.adoptServer(Context.root().with(spring), request("GET"));
        assertThat(call.span()).isSameAs(spring);
        call.end(200, null, 0, 0);
        assertThat(exporter.getFinishedSpanItems()).as("the owner ends it").isEmpty();
        spring.end();
        assertThat(exporter.getFinishedSpanItems()).hasSize(1);
        assertThat(exporter.getFinishedSpanItems().get(0).getAttributes()
                .get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
    }

    @Test
    void withTracingOffNoSpanIsCreatedButContextPropagates() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).tracing(false).samplingPercent(100));
        ServerCall call = plane.startServer(Map.of("traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), GETTER, request("GET"));
        Map<String, String> out = new HashMap<>();
        plane.inject(call.context(), out, Map::put);
        call.end(200, null, 0, 0);
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
        assertThat(out.get("traceparent")).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01")
                .doesNotContain("00f067aa0ba902b7");
    }

    @Test
    void selfLabelsFollowIstiosConventions() {
        TelemetryPlane plane = plane(MeshTelemetry.builder());
        assertThat(plane.self().workload()).isEqualTo("reviews-v2");
        assertThat(plane.self().app()).isEqualTo("reviews");
        assertThat(plane.self().version()).isEqualTo("v2");
        assertThat(plane.self().canonicalService()).isEqualTo("reviews");
        assertThat(plane.self().canonicalRevision()).isEqualTo("v2");
        assertThat(plane.self().principal()).isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        assertThat(plane.selfService()).isEqualTo("reviews.default.svc.cluster.local");
        TelemetryPlane named = plane(MeshTelemetry.builder().workloadName("reviews-deployment"));
        assertThat(named.self().workload()).isEqualTo("reviews-deployment");
    }

    @Test
    void aTraceTheMeshStartsWithItsOwnRandomIdCarriesTheRandomFlag() {
        TelemetryPlane plane = plane(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0));
        ServerCall call = plane.startServer(Map.of(), GETTER, request("GET"));
        Map<String, String> out = new HashMap<>();
        plane.inject(call.context(), out, Map::put);
        assertThat(out.get("traceparent")).as("unsampled, random trace id").endsWith("-02");
        call.end(200, null, 0, 0);
        ServerCall incoming = plane.startServer(Map.of("traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"), GETTER, request("GET"));
        Map<String, String> out2 = new HashMap<>();
        plane.inject(incoming.context(), out2, Map::put);
        assertThat(out2.get("traceparent")).as("the flag received is kept through the SDK's span").endsWith("-03");
        incoming.end(200, null, 0, 0);
    }
}

package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inmesh.Mesh;
import io.inmesh.telemetry.AccessLogFormat;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.api.common.AttributeKey;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Client-side telemetry through real loopback servers: spans per try, propagation, sampling, access log. */
class MeshOkHttpTelemetryTest extends MeshTestSupport {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();

    @AfterEach
    void closeOtel() {
        cleanUps.forEach(Runnable::run);
        tracerProvider.close();
    }

    private static final String RETRY_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - name: all
                route: [{destination: {host: reviews, subset: v1}}]
                retries: {attempts: 2, retryOn: 5xx}
            """;

    private Mesh meshWith(MeshTelemetry telemetry, String... yaml) throws Exception {
        return mesh(Mesh.builder().random(new Random(42)).telemetry(telemetry), yaml);
    }

    private final List<Runnable> cleanUps = new java.util.ArrayList<>();

    /** The mesh's access log lines from now until the end of the test. */
    private ListAppender<ILoggingEvent> accessLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        cleanUps.add(() -> logger.detachAppender(appender));
        return appender;
    }

    private List<SpanData> clientSpans() {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
    }

    /** One backend v1 answering 503 twice, then 200 "ok": three tries under {@link #RETRY_VS}. */
    private Backends failingTwiceThenOk() throws Exception {
        Backends b = backends("v1");
        int[] n = {0};
        b.get("v1").answer = r -> n[0]++ < 2 ? new MockResponse.Builder().code(503).build()
                : new MockResponse.Builder().code(200).body("ok").build();
        return b;
    }

    private static final AttributeKey<Long> RESEND = AttributeKey.longKey("http.request.resend_count");

    @Test
    void everyTryHasItsOwnClientSpanAndCarriesItAsTheParentId() throws Exception {
        Backends b = failingTwiceThenOk();
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), RETRY_VS);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        Span parent = otel.getTracer("test").spanBuilder("caller").startSpan();
        try (Scope ignored = parent.makeCurrent()) {
            assertThat(body(client, "http://reviews:9080/r?token=secret")).isEqualTo("ok");
        } finally {
            parent.end();
        }
        List<SpanData> tries = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT).toList();
        assertThat(tries).hasSize(3);
        List<RecordedRequest> received = b.get("v1").requests;
        for (int i = 0; i < 3; i++) {
            SpanData s = tries.get(i);
            assertThat(s.getName()).isEqualTo("GET");
            assertThat(s.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
            assertThat(s.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
            assertThat(received.get(i).getHeaders().get("traceparent"))
                    .isEqualTo("00-" + s.getTraceId() + "-" + s.getSpanId() + "-01");
            assertThat(s.getAttributes().get(RESEND)).isEqualTo(i == 0 ? null : (long) i);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("reviews");
            assertThat(s.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(9080L);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("url.full")))
                    .as("the query may carry credentials").doesNotContain("secret").endsWith("/r");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("inmesh.route"))).isEqualTo("all");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("inmesh.destination.subset"))).isEqualTo("v1");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("inmesh.destination.host")))
                    .isEqualTo("reviews.default.svc.cluster.local");
            assertThat(s.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                    .isEqualTo(i < 2 ? 503L : 200L);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo(i < 2 ? "503" : null);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("network.peer.address"))).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void anAsynchronousCallKeepsTheCallersContext() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        Span parent = otel.getTracer("test").spanBuilder("caller").startSpan();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        try (Scope ignored = parent.makeCurrent()) {
            client.newCall(new Request.Builder().url("http://reviews:9080/").build()).enqueue(new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                    done.completeExceptionally(e);
                }

                @Override
                public void onResponse(Call call, Response response) {
                    try (response) {
                        done.complete(response.code());
                    }
                }
            });
        }
        parent.end();
        assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        SpanData client1 = exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .findFirst().orElseThrow();
        assertThat(client1.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
        assertThat(b.get("v1").requests.get(0).getHeaders().get("traceparent"))
                .contains(parent.getSpanContext().getTraceId());
    }

    @Test
    void anUnsampledTraceIsStillPropagatedWithoutRecordingSpans() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0).build(),
                b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        body(client, "http://reviews:9080/");
        body(client, "http://reviews:9080/");
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
        String tp1 = b.get("v1").requests.get(0).getHeaders().get("traceparent");
        String tp2 = b.get("v1").requests.get(1).getHeaders().get("traceparent");
        assertThat(tp1).as("not sampled; a random trace id the mesh generated").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-02").isNotEqualTo(tp2);
        assertThat(tp1.substring(3, 35)).isNotEqualTo("0".repeat(32));
    }

    @Test
    void unsampledTriesOfOneCallShareTheTraceAndEachHasItsOwnParentId() throws Exception {
        // the first try goes out under the call's own (unrecorded) span id, the retries under new ones
        Backends b = failingTwiceThenOk();
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), RETRY_VS);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        assertThat(body(client, "http://reviews:9080/")).isEqualTo("ok");
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
        List<String> sent = b.get("v1").requests.stream().map(r -> r.getHeaders().get("traceparent")).toList();
        assertThat(sent).hasSize(3).allMatch(tp -> tp.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-02"));
        assertThat(sent.stream().map(tp -> tp.substring(3, 35)).distinct()).as("one trace").hasSize(1);
        assertThat(sent.stream().map(tp -> tp.substring(36, 52)).distinct()).as("a parent id per try").hasSize(3);
    }

    @Test
    void anUnsampledCallWithoutATraceStillCarriesTheCallersBaggageAndLogsItsTraceId() throws Exception {
        ListAppender<ILoggingEvent> appender = accessLog();
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0)
                .accessLog(AccessLogFormat.JSON).build(), b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        Baggage baggage = Baggage.builder().put("tenant", "t1").build();
        try (Scope ignored = baggage.makeCurrent()) {
            body(client, "http://reviews:9080/");
        }
        body(client, "http://reviews:9080/");
        var first = b.get("v1").requests.get(0).getHeaders();
        var second = b.get("v1").requests.get(1).getHeaders();
        assertThat(first.get("baggage")).isEqualTo("tenant=t1");
        assertThat(second.get("baggage")).isNull();
        assertThat(List.of(first.get("traceparent"), second.get("traceparent")))
                .allMatch(tp -> tp.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-02"));
        assertThat(appender.list).hasSize(2);
        for (int i = 0; i < 2; i++) {
            String traceId = b.get("v1").requests.get(i).getHeaders().get("traceparent").substring(3, 35);
            assertThat(appender.list.get(i).getFormattedMessage())
                    .contains("\"trace_id\":\"" + traceId + "\"");
        }
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void tracesStartedHereButNotRecordedCarryTheSampledFlagOnlyWhenSampled() throws Exception {
        // sampled at 100 % with tracing off: nothing records, the trace still goes out sampled (others may record)
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).tracing(false).build(),
                b.serviceEntry("reviews"));
        body(MeshOkHttp.newClient(mesh), "http://reviews:9080/");
        assertThat(b.get("v1").requests.get(0).getHeaders().get("traceparent"))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-03");
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void anUnsampledCallWritesB3WithTheSameIdsAsTraceparentWhenAsked() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0)
                .propagation(Propagation.TRACECONTEXT, Propagation.B3).build(), b.serviceEntry("reviews"));
        body(MeshOkHttp.newClient(mesh), "http://reviews:9080/");
        var h = b.get("v1").requests.get(0).getHeaders();
        String tp = h.get("traceparent");
        assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-02");
        assertThat(h.get("b3")).isEqualTo(tp.substring(3, 35) + "-" + tp.substring(36, 52) + "-0");
    }

    @Test
    void withoutAnSdkTheContextStillPropagatesWithANewParentId() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(io.opentelemetry.api.OpenTelemetry.noop())
                .samplingPercent(100).build(), b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var ctx = io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance().extract(
                io.opentelemetry.context.Context.root(), java.util.Map.of("traceparent", incoming),
                new io.opentelemetry.context.propagation.TextMapGetter<java.util.Map<String, String>>() {
                    @Override
                    public Iterable<String> keys(java.util.Map<String, String> carrier) {
                        return carrier.keySet();
                    }

                    @Override
                    public String get(java.util.Map<String, String> carrier, String key) {
                        return carrier == null ? null : carrier.get(key);
                    }
                });
        try (Scope ignored = ctx.makeCurrent()) {
            body(client, "http://reviews:9080/");
        }
        String sent = b.get("v1").requests.get(0).getHeaders().get("traceparent");
        assertThat(sent).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01")
                .doesNotContain("00f067aa0ba902b7");
    }

    @Test
    void b3HeadersAreWrittenWhenAsked() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100)
                .propagation(Propagation.TRACECONTEXT, Propagation.B3_MULTI).build(), b.serviceEntry("reviews"));
        body(MeshOkHttp.newClient(mesh), "http://reviews:9080/");
        var h = b.get("v1").requests.get(0).getHeaders();
        SpanData s = clientSpans().get(0);
        assertThat(h.get("X-B3-TraceId")).isEqualTo(s.getTraceId());
        assertThat(h.get("X-B3-SpanId")).isEqualTo(s.getSpanId());
        assertThat(h.get("X-B3-Sampled")).isEqualTo("1");
        assertThat(h.get("traceparent")).contains(s.getSpanId());
    }

    @Test
    void faultsAndLocalRepliesAreVisibleAsSuch() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /abort}}]
                    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: reviews}}]
                  - match: [{uri: {prefix: /delay}}]
                    fault: {delay: {fixedDelay: 20ms, percentage: {value: 100}}}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/abort")) {
            assertThat(r.code()).isEqualTo(418);
        }
        body(client, "http://reviews:9080/delay");
        try (Response r = get(client, "http://reviews:9080/nothing")) {
            assertThat(r.code()).isEqualTo(404);
        }
        List<SpanData> spans = clientSpans();
        assertThat(spans).hasSize(3);
        SpanData abort = spans.get(0);
        assertThat(abort.getAttributes().get(AttributeKey.stringKey("inmesh.fault"))).isEqualTo("abort");
        assertThat(abort.getAttributes().get(AttributeKey.booleanKey("inmesh.local_reply"))).isTrue();
        assertThat(abort.getAttributes().get(AttributeKey.stringKey("inmesh.response_flags"))).isEqualTo("FI");
        assertThat(abort.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(418L);
        SpanData delay = spans.get(1);
        assertThat(delay.getAttributes().get(AttributeKey.stringKey("inmesh.fault"))).isEqualTo("delay");
        assertThat(delay.getAttributes().get(AttributeKey.longKey("inmesh.fault.delay_ms"))).isEqualTo(20L);
        assertThat(delay.getAttributes().get(AttributeKey.stringKey("inmesh.response_flags"))).isEqualTo("DI");
        SpanData noRoute = spans.get(2);
        assertThat(noRoute.getAttributes().get(AttributeKey.stringKey("inmesh.response_flags"))).isEqualTo("NR");
        assertThat(b.get("v1").count.get()).isEqualTo(1);
    }

    @Test
    void mirroredCopiesHaveTheirOwnSpanMarkedAsMirror() throws Exception {
        Backends b = backends("v1", "v2");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                    mirror: {host: reviews, subset: v2}
                """);
        body(MeshOkHttp.newClient(mesh), "http://reviews:9080/");
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> clientSpans().size() == 2);
        SpanData mirror = clientSpans().stream()
                .filter(s -> Boolean.TRUE.equals(s.getAttributes().get(AttributeKey.booleanKey("inmesh.mirror"))))
                .findFirst().orElseThrow();
        assertThat(mirror.getAttributes().get(AttributeKey.stringKey("inmesh.destination.subset"))).isEqualTo("v2");
        SpanData main = clientSpans().stream().filter(s -> s != mirror).findFirst().orElseThrow();
        assertThat(mirror.getTraceId()).isEqualTo(main.getTraceId());
        SpanData request = exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.INTERNAL)
                .findFirst().orElseThrow();
        assertThat(main.getParentSpanId()).as("without a caller's trace, the request's own span is the parent")
                .isEqualTo(request.getSpanId());
        assertThat(mirror.getParentSpanId()).isEqualTo(request.getSpanId());
    }

    @Test
    void anUnsampledCallsMirrorAndLocalReplyStayInTheCallsGeneratedTrace() throws Exception {
        ListAppender<ILoggingEvent> appender = accessLog();
        Backends b = backends("v1", "v2");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(0)
                .accessLog(AccessLogFormat.JSON).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /gone}}]
                    directResponse: {status: 410}
                  - route: [{destination: {host: reviews, subset: v1}}]
                    mirror: {host: reviews, subset: v2}
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        body(client, "http://reviews:9080/");
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !b.get("v2").requests.isEmpty());
        String main = b.get("v1").requests.get(0).getHeaders().get("traceparent");
        String mirror = b.get("v2").requests.get(0).getHeaders().get("traceparent");
        assertThat(List.of(main, mirror)).allMatch(tp -> tp.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-02"));
        assertThat(mirror.substring(3, 35)).as("one trace").isEqualTo(main.substring(3, 35));
        assertThat(mirror.substring(36, 52)).as("the mirror's own span").isNotEqualTo(main.substring(36, 52));

        try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/gone").build())
                .execute()) {
            assertThat(r.code()).isEqualTo(410);
        }
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> appender.list.stream()
                .anyMatch(e -> e.getFormattedMessage().contains("\"response_code\":410")));
        String local = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("\"response_code\":410")).findFirst().orElseThrow();
        assertThat(local).containsPattern("\"trace_id\":\"[0-9a-f]{32}\"")
                .doesNotContain("\"trace_id\":\"" + "0".repeat(32) + "\"")
                .doesNotContain(main.substring(3, 35));
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void theAccessLogWritesOneEscapedLinePerRequestWithoutTheQuery() throws Exception {
        ListAppender<ILoggingEvent> appender = accessLog();
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100)
                .accessLog(AccessLogFormat.JSON).build(), b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        body(client, "http://reviews:9080/a%22b?access_token=secret");
        assertThat(appender.list).hasSize(1);
        String line = appender.list.get(0).getFormattedMessage();
        SpanData s = clientSpans().get(0);
        assertThat(line).startsWith("{\"start_time\":\"").contains("\"direction\":\"outbound\"")
                .contains("\"method\":\"GET\"").contains("\"path\":\"/a%22b\"")
                .contains("\"response_code\":200").contains("\"response_flags\":\"-\"")
                .contains("\"bytes_sent\":2").contains("\"authority\":\"reviews:9080\"")
                .contains("\"upstream_host\":\"127.0.0.1:" + b.get("v1").port() + "\"")
                .contains("\"trace_id\":\"" + s.getTraceId() + "\"").doesNotContain("secret");
        new tools.jackson.databind.ObjectMapper().readTree(line); // well-formed JSON
    }

    @Test
    void istioMetricsAreRecordedWithReporterSourceWhenTheBodyIsClosed() throws Exception {
        Backends b = backends("v1", "v2");
        b.get("v2").answer = r -> new MockResponse.Builder().code(503).body("busy").build();
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).meterRegistry(registry).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v1}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        body(client, "http://reviews:9080/");
        body(client, "http://reviews:9080/");
        Response open = get(client, "http://reviews:9080/", "end-user", "jason");
        assertThat(registry.scrape()).doesNotContain("response_code=\"503\"");
        open.close();
        String text = registry.scrape();
        assertThat(text).containsPattern("istio_requests_total\\{[^}]*destination_service=\"reviews.default.svc.cluster.local\""
                + "[^}]*destination_version=\"v1\"[^}]*reporter=\"source\"[^}]*response_code=\"200\"[^}]*} 2.0");
        assertThat(text).containsPattern("istio_requests_total\\{[^}]*destination_version=\"v2\"[^}]*"
                + "response_code=\"503\"[^}]*response_flags=\"-\"[^}]*} 1.0");
        assertThat(text).containsPattern("istio_response_bytes_sum\\{[^}]*destination_version=\"v1\"[^}]*} 4.0");
        assertThat(text).contains("connection_security_policy=\"unknown\"");
        assertThat(text).as("no mTLS: Istio writes an unknown destination principal")
                .doesNotContain("destination_principal=\"spiffe");
    }

    @Test
    void urlFullCarriesNeitherUserInfoNorQuery() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"));
        body(MeshOkHttp.newClient(mesh), "http://alice:s3cret@reviews:9080/r?sig=x");
        String url = clientSpans().get(0).getAttributes().get(AttributeKey.stringKey("url.full"));
        assertThat(url).isEqualTo("http://127.0.0.1:" + b.get("v1").port() + "/r");
    }

    @Test
    void aRedirectOkHttpFollowsWithinATryIsAResendWithItsOwnSpan() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> r.getUrl().encodedPath().equals("/a")
                ? new MockResponse.Builder().code(302).addHeader("Location", "/b").build()
                : new MockResponse.Builder().code(200).body("b").build();
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).samplingPercent(100).build(),
                b.serviceEntry("reviews"));
        assertThat(body(MeshOkHttp.newClient(mesh), "http://reviews:9080/a")).isEqualTo("b");
        List<SpanData> spans = clientSpans();
        assertThat(spans).hasSize(2);
        SpanData redirect = spans.stream().filter(s -> s.getAttributes().get(RESEND) != null).findFirst()
                .orElseThrow();
        assertThat(redirect.getAttributes().get(RESEND)).isEqualTo(1L);
        assertThat(redirect.getAttributes().get(AttributeKey.stringKey("url.full"))).endsWith("/b");
        List<RecordedRequest> received = b.get("v1").requests;
        assertThat(received.get(0).getHeaders().get("traceparent"))
                .isNotEqualTo(received.get(1).getHeaders().get("traceparent"))
                .contains(spans.stream().filter(s -> s != redirect).findFirst().orElseThrow().getSpanId());
        assertThat(received.get(1).getHeaders().get("traceparent")).contains(redirect.getSpanId());
    }

    @Test
    void mirroredCopiesAreNotReportedBySource() throws Exception {
        Backends b = backends("v1", "v2");
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        Mesh mesh = meshWith(MeshTelemetry.builder().openTelemetry(otel).meterRegistry(registry).build(),
                b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                    mirror: {host: reviews, subset: v2}
                """);
        body(MeshOkHttp.newClient(mesh), "http://reviews:9080/");
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> b.get("v2").count.get() == 1);
        Thread.sleep(100); // the copy's response is read after the server counted it
        String text = registry.scrape();
        assertThat(text).containsPattern("istio_requests_total\\{[^}]*destination_version=\"v1\"");
        assertThat(text).doesNotContain("destination_version=\"v2\"");
    }
}

package io.inmesh.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inmesh.telemetry.MeshTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The servlet filter in a real Spring Boot application on a random loopback port, with an OpenTelemetry SDK of the
 * application's exporting to memory, and without Spring's own observation (its auto-configuration is excluded): the
 * mesh owns the server span.
 */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "mesh.config.locations=src/test/resources/mesh",
                "mesh.tracing.sampling-percent=100",
                "mesh.access-log.format=json",
                io.inmesh.spring.WithoutSpringTracing.EXCLUDE,
                "management.otlp.metrics.export.enabled=false",
        })
class MeshServerFilterTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";

    @LocalServerPort
    int port;

    @Autowired
    InMemorySpanExporter spans;

    @Autowired
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;

    final OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    final MockWebServer downstream = new MockWebServer();
    final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

    @BeforeEach
    void setUp() throws IOException {
        spans.reset();
        WebTestApplication.SEEN.clear();
        downstream.start();
        accessLog.start();
        ((Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER)).addAppender(accessLog);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER)).detachAppender(accessLog);
        downstream.close();
    }

    Response get(String path, String traceparent) throws IOException {
        Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + path);
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        return plain.newCall(b.build()).execute();
    }

    List<SpanData> serverSpans(String traceId) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId))
                .collect(Collectors.toList());
    }

    SpanData theServerSpan(String traceId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> !serverSpans(traceId).isEmpty());
        List<SpanData> server = serverSpans(traceId);
        assertThat(server).as("server spans of trace %s", traceId).hasSize(1);
        return server.get(0);
    }

    @Test
    void aRequestWithATraceparentGetsOneServerSpanChildOfTheCaller() throws Exception {
        try (Response r = get("/hello", TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("hello");
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getParentSpanId()).isEqualTo(PARENT);
        assertThat(server.getParentSpanContext().isRemote()).isTrue();
        assertThat(server.getName()).isEqualTo("GET /hello");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/hello");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/hello");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(server.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo((long) port);
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(WebTestApplication.SEEN).containsEntry("/hello", TRACE);
    }

    @Test
    void tracestateOnSeveralLinesIsCombinedAndADuplicatedTraceparentStartsANewTrace() throws Exception {
        Request combined = new Request.Builder().url("http://127.0.0.1:" + port + "/hello")
                .header("traceparent", TRACEPARENT).addHeader("tracestate", "a=1").addHeader("tracestate", "b=2")
                .build();
        try (Response r = plain.newCall(combined).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getParentSpanId()).isEqualTo(PARENT);
        assertThat(server.getSpanContext().getTraceState().asMap()).containsEntry("a", "1").containsEntry("b", "2");

        Request duplicated = new Request.Builder().url("http://127.0.0.1:" + port + "/hello")
                .header("traceparent", TRACEPARENT).addHeader("traceparent", TRACEPARENT).build();
        try (Response r = plain.newCall(duplicated).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(x -> x.getKind() == SpanKind.SERVER).count() == 2);
        assertThat(serverSpans(TRACE)).as("a duplicated traceparent is invalid: no child of it").hasSize(1);
    }

    @Test
    void theAccessLogCountsTheBytesReceivedAndSent() throws Exception {
        String body = "{\"greeting\": \"gr\u00fc\u00df dich\"}";
        try (Response r = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/echo")
                .post(okhttp3.RequestBody.create(body, okhttp3.MediaType.get("application/json"))).build())
                .execute()) {
            assertThat(r.body().string()).isEqualTo(body);
        }
        int bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        await().atMost(Duration.ofSeconds(5)).until(() -> !accessLog.list.isEmpty());
        assertThat(accessLog.list.get(0).getFormattedMessage()).contains("\"method\":\"POST\"")
                .contains("\"response_code\":200").contains("\"bytes_received\":" + bytes)
                .contains("\"bytes_sent\":" + bytes);
    }

    @Test
    void aChunkedBodyIsCountedAsReadAndARequestWithoutBodyGetsTheContainersOwnRequest() throws Exception {
        String body = "x".repeat(3000);
        okhttp3.RequestBody chunked = new okhttp3.RequestBody() {
            @Override
            public okhttp3.MediaType contentType() {
                return okhttp3.MediaType.get("text/plain");
            }

            @Override
            public void writeTo(okio.BufferedSink sink) throws IOException {
                sink.writeUtf8(body); // no content length: sent chunked
            }
        };
        try (Response r = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/echo")
                .post(chunked).build()).execute()) {
            assertThat(r.body().string()).isEqualTo(body);
        }
        // an unsampled caller: no recorded span, so the access log reads the request's strings at the end
        try (Response r = get("/request-type", "00-" + TRACE + "-" + PARENT + "-00")) {
            assertThat(r.body().string()).as("nothing to change, no body to count: not wrapped")
                    .doesNotContain("MeshRequest");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLog.list.size() >= 2);
        assertThat(accessLog.list.get(0).getFormattedMessage()).contains("\"method\":\"POST\"")
                .contains("\"bytes_received\":3000").contains("\"protocol\":\"HTTP/1.1\"");
        assertThat(accessLog.list.get(1).getFormattedMessage()).contains("\"method\":\"GET\"")
                .contains("\"path\":\"/request-type\"").contains("\"bytes_received\":0")
                .contains("\"authority\":\"127.0.0.1\"").contains("\"protocol\":\"HTTP/1.1\"")
                .contains("\"trace_id\":\"" + TRACE + "\"");
        assertThat(serverSpans(TRACE)).as("not sampled: nothing recorded").isEmpty();
    }

    @Test
    void aRequestWithoutTraceContextStartsASampledTrace() throws Exception {
        try (Response r = get("/hello", null)) {
            assertThat(r.code()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> WebTestApplication.SEEN.containsKey("/hello"));
        String trace = WebTestApplication.SEEN.get("/hello");
        assertThat(trace).isNotEqualTo("-").isNotEqualTo(TRACE);
        SpanData server = theServerSpan(trace);
        assertThat(server.getParentSpanContext().isValid()).isFalse();
        assertThat(server.getSpanContext().isSampled()).isTrue();
    }

    @Test
    void aCallThroughTheMeshClientIsAChildOfTheServerSpanAndCarriesTheTrace() throws Exception {
        downstream.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        try (Response r = get("/call?port=" + downstream.getPort(), TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("downstream said 200 ok");
        }
        RecordedRequest seen = downstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen).isNotNull();
        String[] traceparent = seen.getHeaders().get("traceparent").split("-");
        assertThat(traceparent[0]).isEqualTo("00");
        assertThat(traceparent[1]).isEqualTo(TRACE);
        assertThat(traceparent[3]).isEqualTo("01");

        SpanData server = theServerSpan(TRACE);
        await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getKind() == SpanKind.CLIENT));
        List<SpanData> clients = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .collect(Collectors.toList());
        assertThat(clients).hasSize(1);
        SpanData client = clients.get(0);
        assertThat(client.getTraceId()).isEqualTo(TRACE);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(traceparent[2]).as("the downstream's parent is the client span").isEqualTo(client.getSpanId());
        assertThat(server.getParentSpanId()).isEqualTo(PARENT);
    }

    @Test
    void aDeniedPathIsRefusedByTheFilterAndTheSpanAndAccessLogSayWhy() throws Exception {
        try (Response r = get("/denied", TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.body().string()).isEqualTo("RBAC: access denied");
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(WebTestApplication.SEEN).as("the application never saw it").doesNotContainKey("/denied");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(403L);
        assertThat(server.getAttributes().get(AttributeKey.stringKey("inmesh.inbound.outcome"))).isEqualTo("DENIED");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("inmesh.authz.policy")))
                .contains("deny-admin");
        assertThat(server.getStatus().getStatusCode()).as("a 4xx is not a server error").isEqualTo(StatusCode.UNSET);
        await().atMost(Duration.ofSeconds(5)).until(() -> !accessLog.list.isEmpty());
        String line = accessLog.list.get(0).getFormattedMessage();
        assertThat(line).contains("\"response_code\":403").contains("\"path\":\"/denied\"").contains(TRACE)
                .contains("\"bytes_sent\":" + "RBAC: access denied".length());
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.scrape().contains("response_code=\"403\""));
        assertThat(registry.scrape()).containsPattern("istio_requests_total\\{[^}]*connection_security_policy=\"none\""
                + "[^}]*reporter=\"destination\"[^}]*response_code=\"403\"[^}]*} 1.0");
    }

    @Test
    void anExceptionInTheApplicationIsA500ServerSpanWithItsType() throws Exception {
        try (Response r = get("/boom", TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(500);
            assertThat(r.body().string()).doesNotContain("at io.inmesh");
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(500L);
        assertThat(server.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo(IllegalStateException.class.getName());
    }

    /**
     * A CompletableFuture completed on the application's own pool: the server span ends once, when the request
     * completes (after the continuation), and the async dispatch that writes the result runs in the request's
     * context. The continuation itself runs on a thread of a pool that knows nothing of OpenTelemetry: no trace
     * there (see the next test for the fix).
     */
    @Test
    void anAsyncRequestEndsItsSpanOnceAtCompletion() throws Exception {
        long start = System.nanoTime();
        try (Response r = get("/async/future", TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("future");
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getEndEpochNanos() - server.getStartEpochNanos())
                .as("ended after the 200 ms continuation").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(WebTestApplication.SEEN).containsEntry("/async/future continuation", "-")
                .containsEntry("/async/future afterCompletion", TRACE);
        Thread.sleep(200);
        assertThat(serverSpans(TRACE)).as("still one server span").hasSize(1);
    }

    /**
     * A Callable runs on Spring MVC's task executor, which does not carry the OpenTelemetry context by itself (Spring
     * propagates Micrometer's context only when Micrometer Tracing is set up); the span still ends once, at completion.
     */
    @Test
    void aCallableEndsTheSpanOnceAtCompletion() throws Exception {
        try (Response r = get("/async/callable", TRACEPARENT)) {
            assertThat(r.body().string()).isEqualTo("callable");
        }
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getEndEpochNanos() - server.getStartEpochNanos())
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(WebTestApplication.SEEN).containsEntry("/async/callable afterCompletion", TRACE)
                .containsEntry("/async/callable continuation", TRACE); // the starter's TaskDecorator
    }

    @Test
    void anAsyncContinuationOnAContextWrappedExecutorRunsInTheTrace() throws Exception {
        try (Response r = get("/async/wrapped", TRACEPARENT)) {
            assertThat(r.body().string()).isEqualTo("wrapped");
        }
        theServerSpan(TRACE);
        assertThat(WebTestApplication.SEEN).containsEntry("/async/wrapped continuation", TRACE)
                .containsEntry("/async/wrapped afterCompletion", TRACE);
    }

    @Test
    void aDeferredResultCallingDownstreamFromAnotherThreadStaysInOneTrace() throws Exception {
        downstream.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        try (Response r = get("/async/deferred?port=" + downstream.getPort(), TRACEPARENT)) {
            assertThat(r.body().string()).isEqualTo("deferred 200");
        }
        RecordedRequest seen = downstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHeaders().get("traceparent")).startsWith("00-" + TRACE + "-");
        SpanData server = theServerSpan(TRACE);
        SpanData client = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .findFirst().orElseThrow();
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(server.getEndEpochNanos()).as("the server span ends after the work it waited for")
                .isGreaterThanOrEqualTo(client.getEndEpochNanos());
    }

    /** A 404 for a path no handler serves: Spring Boot's error page is rendered after the chain, and counted. */
    @Test
    void theContainersErrorPageIsCountedAndTheSpanEndsOnceAfterIt() throws Exception {
        long bodyLength;
        try (Response r = get("/no/such/handler", TRACEPARENT)) {
            assertThat(r.code()).isEqualTo(404);
            bodyLength = r.body().bytes().length;
        }
        assertThat(bodyLength).as("Spring Boot's error body").isPositive();
        SpanData server = theServerSpan(TRACE);
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLog.list.stream()
                .anyMatch(e -> e.getFormattedMessage().contains("/no/such/handler")));
        String line = accessLog.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("/no/such/handler")).findFirst().orElseThrow();
        assertThat(line).contains("\"response_code\":404").contains("\"bytes_sent\":" + bodyLength);
        Thread.sleep(200);
        assertThat(serverSpans(TRACE)).as("still one server span").hasSize(1);
    }
}

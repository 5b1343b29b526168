package io.inmesh.spring.reactiveobservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * WebFlux with Spring Boot's own observation and Micrometer Tracing active: a request has exactly one server span
 * (Spring's, enriched by the mesh), not two, and the mesh's client span, on another thread, is its child.
 */
@SpringBootTest(classes = ObservedReactiveApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "mesh.config.locations=src/test/resources/mesh",
                "mesh.tracing.sampling-percent=100",
                "management.tracing.sampling.probability=1.0",
                "management.otlp.metrics.export.enabled=false",
                "spring.main.web-application-type=reactive",
        })
class SpringReactiveObservationTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String PARENT = "b7ad6b7169203331";
    static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";

    @LocalServerPort
    int port;

    /**
     * No keep-alive: Reactor Netty (1.3, Netty 4.2) sometimes leaves a kept-alive connection unanswered after a handler
     * that blocked on boundedElastic, with or without the mesh's filter (reproduced with the filter bypassed and a
     * plain OkHttp call in the handler); a connection per request keeps these tests about the mesh.
     */
    final OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10))
            .connectionPool(new okhttp3.ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS)).build();
    final MockWebServer downstream = new MockWebServer();

    @BeforeEach
    void setUp() throws IOException {
        ObservedReactiveApplication.SPANS.reset();
        downstream.start();
    }

    @AfterEach
    void tearDown() {
        downstream.close();
    }

    Response get(String path) throws IOException {
        return plain.newCall(new Request.Builder().url("http://127.0.0.1:" + port + path)
                .header("traceparent", TRACEPARENT).build()).execute();
    }

    List<SpanData> spans(SpanKind kind) {
        return ObservedReactiveApplication.SPANS.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == kind && s.getTraceId().equals(TRACE)).collect(Collectors.toList());
    }

    SpanData theServerSpan() throws InterruptedException {
        await().atMost(Duration.ofSeconds(5)).until(() -> !spans(SpanKind.SERVER).isEmpty());
        Thread.sleep(200); // a second server span, if there were one, would end about now
        List<SpanData> server = spans(SpanKind.SERVER);
        assertThat(server).as("server spans").hasSize(1);
        return server.get(0);
    }

    @Test
    void oneServerSpanNotTwoAndItCarriesTheMeshsAttributes() throws Exception {
        try (Response r = get("/hello")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("hello " + TRACE);
        }
        SpanData server = theServerSpan();
        assertThat(server.getParentSpanId()).isEqualTo(PARENT);
        assertThat(server.getInstrumentationScopeInfo().getName()).as("Spring's span, adopted: " + server)
                .isNotEqualTo("io.inmesh");
        assertThat(server.getName()).as("named by Spring's observation convention").isEqualTo("http get /hello");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/hello");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    }

    @Test
    void theMeshClientSpanIsAChildOfSpringsServerSpan() throws Exception {
        downstream.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        try (Response r = get("/call?port=" + downstream.getPort())) {
            assertThat(r.body().string()).isEqualTo("downstream said 200");
        }
        SpanData server = theServerSpan();
        await().atMost(Duration.ofSeconds(5)).until(() -> !spans(SpanKind.CLIENT).isEmpty());
        List<SpanData> clients = spans(SpanKind.CLIENT);
        assertThat(clients).hasSize(1);
        assertThat(clients.get(0).getParentSpanId()).isEqualTo(server.getSpanId());
        RecordedRequest seen = downstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHeaders().get("traceparent"))
                .isEqualTo("00-" + TRACE + "-" + clients.get(0).getSpanId() + "-01");
    }

    @Test
    void aRefusalIsRecordedOnSpringsServerSpan() throws Exception {
        try (Response r = get("/denied")) {
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.body().string()).isEqualTo("RBAC: access denied");
        }
        SpanData server = theServerSpan();
        assertThat(server.getAttributes().get(AttributeKey.stringKey("inmesh.inbound.outcome"))).isEqualTo("DENIED");
    }
}

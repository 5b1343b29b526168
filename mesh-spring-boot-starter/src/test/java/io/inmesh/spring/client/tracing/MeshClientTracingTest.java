package io.inmesh.spring.client.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.spring.client.RatingsBackends;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A WebFlux handler calls {@code ratings} through a {@code @MeshClient} WebClient (and a RestClient): the call
 * carries the incoming trace, the mesh's client span is the server span's child, and the request that reaches
 * ratings names that client span as its parent.
 */
@SpringBootTest(classes = TracingClientApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.main.web-application-type=reactive",
                "mesh.tracing.sampling-percent=100",
                "spring.autoconfigure.exclude="
                        + "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration,"
                        + "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure"
                        + ".OpenTelemetryTracingAutoConfiguration,"
                        + "org.springframework.boot.micrometer.tracing.autoconfigure"
                        + ".MicrometerTracingAutoConfiguration",
                "management.otlp.metrics.export.enabled=false",
        })
class MeshClientTracingTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final RatingsBackends RATINGS = new RatingsBackends();
    @DynamicPropertySource
    static void meshConfig(DynamicPropertyRegistry registry) {
        Path config = RATINGS.writeConfig("meshclient-tracing");
        registry.add("mesh.config.locations", config::toString);
    }

    @AfterAll
    static void stopServers() throws Exception {
        RATINGS.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    InMemorySpanExporter spans;

    /** A connection per request (see MeshWebFilterTest: Reactor Netty's kept-alive connections). */
    final OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10))
            .connectionPool(new okhttp3.ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS)).build();

    @BeforeEach
    void reset() {
        spans.reset();
    }

    List<SpanData> spans(SpanKind kind) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == kind && s.getTraceId().equals(TRACE)).collect(Collectors.toList());
    }

    static RecordedRequest last(String path) {
        List<RecordedRequest> requests = RATINGS.v1.requests;
        for (int i = requests.size() - 1; i >= 0; i--) {
            if (requests.get(i).getUrl().encodedPath().equals(path)) {
                return requests.get(i);
            }
        }
        throw new AssertionError("no request for " + path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"web", "web-later", "rest"})
    void theCallCarriesTheIncomingTraceAndItsSpanIsTheServerSpansChild(String endpoint) throws Exception {
        try (Response r = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/" + endpoint)
                .header("traceparent", "00-" + TRACE + "-" + PARENT + "-01").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("v1 GET /r/" + endpoint + " ");
        }
        String[] traceparent = last("/r/" + endpoint).getHeaders().get("traceparent").split("-");
        assertThat(traceparent[1]).as("the trace reaches ratings").isEqualTo(TRACE);

        await().atMost(Duration.ofSeconds(5)).until(() -> !spans(SpanKind.SERVER).isEmpty()
                && !spans(SpanKind.CLIENT).isEmpty());
        SpanData server = spans(SpanKind.SERVER).get(0);
        assertThat(server.getParentSpanId()).isEqualTo(PARENT);
        List<SpanData> clients = spans(SpanKind.CLIENT);
        assertThat(clients).hasSize(1);
        SpanData client = clients.get(0);
        assertThat(client.getParentSpanId()).as("the mesh's client span is the server span's child")
                .isEqualTo(server.getSpanId());
        assertThat(traceparent[2]).as("ratings' parent is the client span").isEqualTo(client.getSpanId());
    }
}

package io.inmesh.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inmesh.telemetry.MeshTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
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
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;

/**
 * Without Spring Boot's error page (ErrorMvcAutoConfiguration left out), Tomcat renders its own error report and
 * there is no ERROR dispatch: the mesh's engine valve ends the call once Tomcat is done. No servlet request listener
 * is registered on Tomcat (one would make every request attribute change build an event).
 */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "mesh.config.locations=src/test/resources/mesh",
                "mesh.tracing.sampling-percent=100",
                "mesh.access-log.format=json",
                io.inmesh.spring.WithoutSpringTracing.EXCLUDE
                        + ",org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration",
                "management.otlp.metrics.export.enabled=false",
        })
class ContainerErrorReportTest {
    static final String TRACE = "5bf92f3577b34da6a3ce929d0e0e4737";

    @LocalServerPort
    int port;

    @Autowired
    InMemorySpanExporter spans;

    @Autowired
    ServletWebServerApplicationContext context;

    final OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

    @BeforeEach
    void setUp() {
        spans.reset();
        accessLog.start();
        ((Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER)).addAppender(accessLog);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER)).detachAppender(accessLog);
    }

    @Test
    void aRequestAnsweredByTomcatsOwnErrorReportEndsOnce() throws Exception {
        try (Response r = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/no/such/handler")
                .header("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01").build()).execute()) {
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.body().string()).as("Tomcat's own report, not Spring Boot's error page")
                    .contains("HTTP Status 404");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !serverSpans().isEmpty());
        SpanData server = serverSpans().get(0);
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        await().atMost(Duration.ofSeconds(5)).until(() -> logged().stream()
                .anyMatch(e -> e.getFormattedMessage().contains("/no/such/handler")));
        assertThat(logged().stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("/no/such/handler")).findFirst().orElseThrow())
                .contains("\"response_code\":404");
        Thread.sleep(200);
        assertThat(serverSpans()).as("one server span").hasSize(1);
    }

    @Test
    void tomcatHasNoRequestListenerOfTheMesh() {
        var tomcat = (org.springframework.boot.tomcat.TomcatWebServer) context.getWebServer();
        var ctx = (org.apache.catalina.Context) tomcat.getTomcat().getHost().findChildren()[0];
        assertThat(ctx.getApplicationEventListeners())
                .noneMatch(l -> l instanceof io.inmesh.spring.MeshServerFilter.RequestEnd);
    }

    /** What the access log appender holds (it appends under its own lock, from the server's threads). */
    List<ILoggingEvent> logged() {
        synchronized (accessLog) {
            return List.copyOf(accessLog.list);
        }
    }

    List<SpanData> serverSpans() {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(TRACE)).toList();
    }
}

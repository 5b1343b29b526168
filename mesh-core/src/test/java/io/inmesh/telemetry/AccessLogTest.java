package io.inmesh.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inmesh.Workload;
import io.inmesh.telemetry.internal.ServerCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class AccessLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void attach() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
    }

    private List<String> lines() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static TelemetryPlane plane(AccessLogFormat format) {
        return new TelemetryPlane(MeshTelemetry.builder().tracing(false).accessLog(format).build(),
                Workload.of("default"), null);
    }

    private static final String HOSTILE_PATH = "/a\"b\\c\nFAKE LINE\u0001";

    @Test
    void textLinesEscapeWhatCouldForgeALine() {
        ServerCall call = plane(AccessLogFormat.TEXT).startServer(Map.<String, String>of(),
                TelemetryPlaneTest.GETTER, ServerCall.Request.of("GET", "http", "reviews:9080", 9080, HOSTILE_PATH,
                        "10.0.0.1", "HTTP/1.1", null));
        call.end(200, null, 3, 5);
        assertThat(lines()).hasSize(1);
        String line = lines().get(0);
        assertThat(line).doesNotContain("\n").doesNotContain("\u0001")
                .matches("\\[\\d{4}-\\d\\d-\\d\\dT[^]]+Z] \"GET /a\\\\\"b\\\\\\\\c\\\\x0aFAKE LINE\\\\x01 HTTP/1.1\" 200 - 3 5 \\d+"
                        + " \"reviews:9080\" \"-\" inbound - [0-9a-f]{32}");
    }

    @Test
    void jsonLinesAreWellFormedWithIstiosFieldNames() throws Exception {
        ServerCall call = plane(AccessLogFormat.JSON).startServer(Map.<String, String>of(),
                TelemetryPlaneTest.GETTER, ServerCall.Request.of("POST", "https", "reviews", 9443, HOSTILE_PATH,
                        "10.0.0.1", "HTTP/2", null));
        call.end(201, null, 7, 9);
        JsonNode n = new ObjectMapper().readTree(lines().get(0));
        assertThat(n.get("path").asString()).isEqualTo(HOSTILE_PATH);
        assertThat(n.get("method").asString()).isEqualTo("POST");
        assertThat(n.get("protocol").asString()).isEqualTo("HTTP/2");
        assertThat(n.get("response_code").asInt()).isEqualTo(201);
        assertThat(n.get("response_flags").asString()).isEqualTo("-");
        assertThat(n.get("bytes_received").asLong()).isEqualTo(7);
        assertThat(n.get("bytes_sent").asLong()).isEqualTo(9);
        assertThat(n.get("direction").asString()).isEqualTo("inbound");
        assertThat(n.get("trace_id").asString()).hasSize(32);
        assertThat(n.has("duration")).isTrue();
        assertThat(n.has("start_time")).isTrue();
    }

    @Test
    void offWritesNothing() {
        ServerCall call = plane(AccessLogFormat.OFF).startServer(Map.<String, String>of(),
                TelemetryPlaneTest.GETTER, ServerCall.Request.of("GET", "http", "h", 80, "/", "1.2.3.4", "HTTP/1.1",
                        null));
        call.end(200, null, 0, 0);
        assertThat(lines()).isEmpty();
    }
}

package io.inmesh.telemetry.internal;

import io.inmesh.telemetry.AccessLogFormat;
import io.inmesh.telemetry.MeshTelemetry;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the logger {@value MeshTelemetry#ACCESS_LOGGER} at INFO, in Envoy's spirit. Text:
 * <pre>
 * [2026-11-26T04:55:00.123Z] "GET /reviews/1 HTTP/1.1" 200 - 0 295 3 "reviews:9080" "10.0.0.7:9083" outbound reviews-v2 4bf92f3577b34da6a3ce929d0e0e4736
 * </pre>
 * that is {@code [start] "method path protocol" code flags bytes_received bytes_sent duration_ms "authority"
 * "upstream_host" direction route trace_id}, {@code -} for what is unknown. JSON carries the same fields under Istio's
 * JSON access log names. The path is logged without its query (a query may carry credentials); strings are escaped
 * so that a request cannot forge log lines.
 */
public final class AccessLog {
    private final AccessLogFormat format;
    /** Looked up only when the log is on, so that a mesh without an access log never initializes SLF4J. */
    private final Logger log;

    public AccessLog(AccessLogFormat format) {
        this.format = format;
        this.log = format == AccessLogFormat.OFF ? null : LoggerFactory.getLogger(MeshTelemetry.ACCESS_LOGGER);
    }

    /** Whether lines are written: a format is set and the logger is enabled at INFO. */
    public boolean enabled() {
        return log != null && log.isInfoEnabled();
    }

    /** One request's entry. */
    public record Entry(long startMillis, String direction, String method, String path, String protocol, int code,
                        String flags, long bytesReceived, long bytesSent, long durationMillis, String authority,
                        String upstreamHost, String route, String traceId) {
    }

    public void write(Entry e) {
        if (!enabled()) {
            return;
        }
        log.info(format == AccessLogFormat.JSON ? json(e) : text(e));
    }

    static String text(Entry e) {
        StringBuilder b = new StringBuilder(192);
        b.append('[').append(Instant.ofEpochMilli(e.startMillis())).append("] \"");
        plain(b, e.method()).append(' ');
        plain(b, e.path()).append(' ');
        plain(b, e.protocol()).append("\" ");
        b.append(e.code()).append(' ');
        plain(b, e.flags()).append(' ');
        b.append(e.bytesReceived()).append(' ').append(e.bytesSent()).append(' ').append(e.durationMillis());
        b.append(" \"");
        plain(b, e.authority()).append("\" \"");
        plain(b, e.upstreamHost()).append("\" ");
        plain(b, e.direction()).append(' ');
        plain(b, e.route()).append(' ');
        plain(b, e.traceId());
        return b.toString();
    }

    static String json(Entry e) {
        StringBuilder b = new StringBuilder(320);
        b.append("{\"start_time\":\"").append(Instant.ofEpochMilli(e.startMillis())).append('"');
        field(b, "direction", e.direction());
        field(b, "method", e.method());
        field(b, "path", e.path());
        field(b, "protocol", e.protocol());
        b.append(",\"response_code\":").append(e.code());
        field(b, "response_flags", e.flags());
        b.append(",\"bytes_received\":").append(e.bytesReceived());
        b.append(",\"bytes_sent\":").append(e.bytesSent());
        b.append(",\"duration\":").append(e.durationMillis());
        field(b, "authority", e.authority());
        field(b, "upstream_host", e.upstreamHost());
        field(b, "route_name", e.route());
        field(b, "trace_id", e.traceId());
        return b.append('}').toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":");
        if (value == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** Text-format value: {@code -} when absent; quotes, backslashes and control characters escaped. */
    private static StringBuilder plain(StringBuilder b, String value) {
        if (value == null || value.isEmpty()) {
            return b.append('-');
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\x%02x", (int) c & 0xffff));
            } else {
                b.append(c);
            }
        }
        return b;
    }
}

package io.inmesh.cli.internal;

import io.inmesh.config.DestinationRule.ClientTlsSettings;
import io.inmesh.config.DestinationRule.ConnectionPoolSettings;
import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.HttpSettings;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.OutlierDetection;
import io.inmesh.config.DestinationRule.RetryBudget;
import io.inmesh.config.DestinationRule.SimpleLb;
import io.inmesh.config.DestinationRule.TcpSettings;
import io.inmesh.config.VirtualService.HttpRedirect;
import io.inmesh.discovery.Endpoint;
import io.inmesh.traffic.FaultPolicy;
import io.inmesh.traffic.RetryPolicy;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.internal.DestinationPolicy;
import io.inmesh.traffic.internal.RetrySpec;
import io.inmesh.traffic.internal.RoutePlan;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The readable form of an explanation: aligned "Label:  value" lines, as {@code kubectl describe} prints. */
final class ExplainText {

    /** Endpoints listed per destination; more are counted. */
    static final int MAX_ENDPOINTS = 10;

    private static final int TOP = 17;
    private static final int NESTED = 20;
    private static final String NESTED_INDENT = "    ";

    private final List<String> lines = new ArrayList<>();

    private ExplainText() {
    }

    /** The explanation as text, one line per item, each ending with a newline. */
    static String toText(Explanation e) {
        ExplainText t = new ExplainText();
        t.render(e);
        StringBuilder b = new StringBuilder();
        for (String l : t.lines) {
            b.append(Text.escapeControls(l)).append('\n');
        }
        return b.toString();
    }

    private void render(Explanation e) {
        RouteDecision d = e.decision();
        RoutePlan plan = d.plan();
        top("Request", e.method() + " " + e.url());
        top("Caller", "namespace " + e.caller().namespace() + (e.caller().labels().isEmpty() ? ", no labels"
                : ", labels " + Explanation.labels(e.caller().labels())));
        top("Host", d.host() + ", port " + d.port());
        top("VirtualService", d.virtualService() == null ? "none" : d.virtualService());
        top("Status", d.status().name() + statusNote(d.status()));
        if (d.routeIndex() >= 0) {
            String index = "http[" + d.routeIndex() + "]";
            top("Route", d.routeName() == null || d.routeName().equals(index) ? index
                    : d.routeName() + " (" + index + ")");
        }
        switch (d.status()) {
            case REDIRECT -> top("Redirect", redirect(e.redirect(), plan.redirect));
            case DIRECT_RESPONSE -> top("Response", directResponse(plan));
            default -> {
            }
        }
        boolean upstream = d.status() == RouteStatus.ROUTED || d.status() == RouteStatus.PASSTHROUGH;
        if (upstream) {
            lines.add("Destinations:");
            for (Explanation.Destination x : e.destinations()) {
                destination(x);
            }
            if (plan.rewrite != null) {
                top("Rewrite", rewrite(plan.rewrite));
            }
            if (e.upstream().rewritten()) {
                top("Sent as", "authority " + e.upstream().authority() + ", path " + e.upstream().path());
            }
            top("Timeout", d.timeout() == null ? "none" : duration(d.timeout()));
            top("Retries", retries(d.retries()));
        }
        if (upstream || d.fault() != null) {
            top("Fault", fault(d.fault()));
        }
        if (upstream || !e.mirrors().isEmpty()) {
            if (e.mirrors().isEmpty()) {
                top("Mirrors", "none");
            } else {
                lines.add("Mirrors:");
                for (Explanation.Mirror m : e.mirrors()) {
                    lines.add("  " + m.mirror().host() + ":" + m.port()
                            + (m.mirror().subset() == null ? "" : " subset " + m.mirror().subset())
                            + ", " + percent(m.mirror().percentage()) + " of requests"
                            + (m.undefinedSubset() == null ? "" : " (undefined subset: see Notes)"));
                }
            }
        }
        if (!e.notes().isEmpty()) {
            lines.add("Notes:");
            for (String n : e.notes()) {
                lines.add("  - " + n);
            }
        }
    }

    private static String statusNote(RouteStatus s) {
        return switch (s) {
            case ROUTED -> "";
            case PASSTHROUGH -> " (no VirtualService applies: the request goes to the host itself)";
            case NO_ROUTE -> " (no rule matched: the request fails with 404, response flag NR)";
            case REDIRECT -> " (answered by the mesh with a redirect; nothing is sent upstream)";
            case DIRECT_RESPONSE -> " (answered by the mesh; nothing is sent upstream)";
        };
    }

    private void destination(Explanation.Destination x) {
        var s = x.share();
        lines.add("  " + s.host() + ":" + x.port() + (s.subset() == null ? "" : " subset " + s.subset())
                + ", weight " + s.weight() + ", share " + percent(s.share() * 100));
        DestinationPolicy p = x.policy();
        if (p == null) {
            nested("DestinationRule", (x.rule() == null ? "none" : x.rule()) + ": subset " + s.subset()
                    + " is not defined (see Notes)");
            return;
        }
        nested("DestinationRule", x.rule() == null ? "none (Istio's defaults apply)" : x.rule()
                + (p.subsetLabels() == null ? "" : ", subset " + s.subset() + " ("
                + (p.subsetLabels().isEmpty() ? "no labels: every endpoint" : Explanation.labels(p.subsetLabels()))
                + ")"));
        nested("Load balancer", loadBalancer(p.loadBalancer()));
        nested("Connection pool", connectionPool(p.connectionPool()));
        nested("Outlier detection", outlierDetection(p.outlierDetection()));
        nested("TLS", tls(p.tls()));
        if (p.retryBudget() != null) {
            nested("Retry budget", retryBudget(p.retryBudget()));
        }
        endpoints(x);
    }

    private void endpoints(Explanation.Destination x) {
        if (x.endpoints() == null) {
            nested("Endpoints", x.knownHost() ? "not listed (resolution NONE): connects as addressed"
                    : "not in the registry: resolved through DNS");
            return;
        }
        if (x.endpoints().isEmpty()) {
            nested("Endpoints", "none (see Notes)");
            return;
        }
        int width = 0;
        int shown = Math.min(MAX_ENDPOINTS, x.endpoints().size());
        for (int i = 0; i < shown; i++) {
            width = Math.max(width, x.endpoints().get(i).hostPort().length());
        }
        for (int i = 0; i < shown; i++) {
            Endpoint ep = x.endpoints().get(i);
            String text = ep.labels().isEmpty() ? ep.hostPort()
                    : pad(ep.hostPort(), width + 2) + Explanation.labels(ep.labels());
            if (i == 0) {
                nested("Endpoints", text);
            } else {
                lines.add(NESTED_INDENT + " ".repeat(NESTED) + text);
            }
        }
        if (x.endpoints().size() > shown) {
            lines.add(NESTED_INDENT + " ".repeat(NESTED) + "... and " + (x.endpoints().size() - shown)
                    + " more (--json lists them all)");
        }
    }

    static String loadBalancer(LoadBalancerSettings lb) {
        ConsistentHashLb ch = lb == null ? null : lb.consistentHash();
        if (ch == null) {
            SimpleLb s = lb == null ? null : lb.simple();
            String in = PolicyDefaults.simple(lb);
            return s == null || s == SimpleLb.UNSPECIFIED ? in + " (default)"
                    : s == SimpleLb.LEAST_CONN ? in + " (LEAST_CONN is its deprecated alias)" : in;
        }
        String on;
        if (ch.httpHeaderName() != null) {
            on = "header " + ch.httpHeaderName();
        } else if (ch.httpCookie() != null) {
            on = "cookie " + ch.httpCookie().name() + (ch.httpCookie().path() == null ? ""
                    : ", path " + ch.httpCookie().path()) + (ch.httpCookie().ttl() == null ? ""
                    : ", ttl " + duration(ch.httpCookie().ttl()));
        } else if (Boolean.TRUE.equals(ch.useSourceIp())) {
            on = "source IP";
        } else if (ch.httpQueryParameterName() != null) {
            on = "query parameter " + ch.httpQueryParameterName();
        } else {
            on = "nothing set";
        }
        String table = ch.maglev() != null
                ? "maglev, table size " + (ch.maglev().tableSize() == null ? PolicyDefaults.MAGLEV_TABLE_SIZE
                : ch.maglev().tableSize())
                : "ring hash, minimum ring size " + PolicyDefaults.minimumRingSize(ch);
        return "consistent hash on " + on + " (" + table + ")";
    }

    static String connectionPool(ConnectionPoolSettings pool) {
        TcpSettings tcp = pool == null ? null : pool.tcp();
        HttpSettings http = pool == null ? null : pool.http();
        List<String> limits = new ArrayList<>();
        if (tcp != null && tcp.maxConnections() != null) {
            limits.add("max " + Text.count(tcp.maxConnections(), "connection", "connections"));
        }
        if (http != null) {
            if (http.http1MaxPendingRequests() != null) {
                limits.add(Text.count(http.http1MaxPendingRequests(), "pending request", "pending requests"));
            }
            if (http.http2MaxRequests() != null) {
                limits.add(Text.count(http.http2MaxRequests(), "active request", "active requests"));
            }
            if (http.maxRequestsPerConnection() != null && http.maxRequestsPerConnection() > 0) {
                limits.add(Text.count(http.maxRequestsPerConnection(), "request", "requests") + " per connection");
            }
            if (http.maxRetries() != null) {
                limits.add(Text.count(http.maxRetries(), "active retry", "active retries"));
            }
        }
        List<String> parts = new ArrayList<>();
        parts.add(limits.isEmpty() ? "unlimited" : String.join(", ", limits));
        Duration connect = tcp == null || tcp.connectTimeout() == null ? PolicyDefaults.CONNECT_TIMEOUT
                : tcp.connectTimeout();
        parts.add("connect timeout " + duration(connect));
        if (tcp != null && tcp.idleTimeout() != null) {
            parts.add("TCP idle timeout " + duration(tcp.idleTimeout()));
        }
        if (tcp != null && tcp.maxConnectionDuration() != null) {
            parts.add("max connection duration " + duration(tcp.maxConnectionDuration()));
        }
        if (http != null && http.idleTimeout() != null) {
            parts.add("HTTP idle timeout " + duration(http.idleTimeout()));
        }
        return String.join(", ", parts) + (pool == null ? " (default)" : "");
    }

    static String outlierDetection(OutlierDetection od) {
        if (od == null) {
            return "none (default)";
        }
        List<String> parts = new ArrayList<>();
        int fiveXx = od.consecutive5xxErrors() == null ? PolicyDefaults.CONSECUTIVE_5XX : od.consecutive5xxErrors();
        parts.add(fiveXx == 0 ? "consecutive 5xx off" : "eject after " + fiveXx + " consecutive 5xx");
        if (od.consecutiveGatewayErrors() != null && od.consecutiveGatewayErrors() > 0) {
            parts.add("or " + od.consecutiveGatewayErrors() + " consecutive gateway errors");
        }
        if (od.consecutiveErrors() != null) {
            parts.add("consecutiveErrors " + od.consecutiveErrors() + " (deprecated)");
        }
        parts.add("interval " + duration(od.interval() == null ? PolicyDefaults.INTERVAL : od.interval()));
        parts.add("base ejection " + duration(od.baseEjectionTime() == null ? PolicyDefaults.BASE_EJECTION_TIME
                : od.baseEjectionTime()));
        parts.add("max ejection " + (od.maxEjectionPercent() == null ? PolicyDefaults.MAX_EJECTION_PERCENT
                : od.maxEjectionPercent()) + "%");
        if (od.minHealthPercent() != null && od.minHealthPercent() > 0) {
            parts.add("min health " + od.minHealthPercent() + "%");
        }
        return String.join(", ", parts);
    }

    static String tls(ClientTlsSettings tls) {
        if (tls == null) {
            return "auto mTLS (default)";
        }
        StringBuilder b = new StringBuilder(tls.mode() == null ? "mode unset" : tls.mode().name());
        if (tls.sni() != null) {
            b.append(", SNI ").append(tls.sni());
        }
        if (tls.subjectAltNames() != null && !tls.subjectAltNames().isEmpty()) {
            b.append(", SANs ").append(String.join(",", tls.subjectAltNames()));
        }
        if (Boolean.TRUE.equals(tls.insecureSkipVerify())) {
            b.append(", server certificate not verified");
        }
        return b.toString();
    }

    static String retryBudget(RetryBudget b) {
        double pct = b.percent() == null ? PolicyDefaults.RETRY_BUDGET_PERCENT : b.percent();
        int min = b.minRetryConcurrency() == null ? PolicyDefaults.RETRY_BUDGET_MIN_CONCURRENCY
                : b.minRetryConcurrency();
        return "active retries at most " + percent(pct) + " of active requests (at least " + min + ")";
    }

    static String retries(RetryPolicy r) {
        if (r.attempts() == 0) {
            return "none";
        }
        StringBuilder b = new StringBuilder(Text.count(r.attempts(), "retry", "retries"))
                .append(" on ").append(r.retryOn().isEmpty() ? "nothing" : String.join(",", r.retryOn()));
        if (r.perTryTimeout() != null) {
            b.append(", per try timeout ").append(duration(r.perTryTimeout()));
        }
        if (!r.backoff().equals(RetrySpec.DEFAULT_BACKOFF)) {
            b.append(", backoff ").append(duration(r.backoff()));
        }
        if (!r.ignorePreviousHosts()) {
            b.append(", may retry the same endpoint");
        }
        if (r.isDefault()) {
            b.append(" (Istio's default)");
        }
        return b.toString();
    }

    static String fault(FaultPolicy f) {
        if (f == null) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        if (f.delay() != null) {
            parts.add("delay " + duration(f.delay().fixedDelay()) + " for " + percent(f.delay().percentage())
                    + " of requests");
        }
        if (f.abort() != null) {
            parts.add("abort with " + (f.abort().httpStatus() != null ? "HTTP " + f.abort().httpStatus()
                    : "gRPC " + f.abort().grpcStatus()) + " for " + percent(f.abort().percentage()) + " of requests");
        }
        return parts.isEmpty() ? "none" : String.join("; ", parts);
    }

    static String rewrite(RoutePlan.Rewrite rw) {
        List<String> parts = new ArrayList<>();
        if (rw.uri() != null) {
            parts.add("uri " + rw.uri() + " (replaces the matched prefix)");
        }
        if (rw.regex() != null) {
            parts.add("uri regex " + rw.regex().pattern() + " to " + PolicyDefaults.envoySubstitution(
                    rw.regexReplacement()));
        }
        if (rw.authority() != null) {
            parts.add("authority " + rw.authority());
        }
        return String.join(", ", parts);
    }

    /** {@code 301 -> LOCATION (the fields the rule sets)}. */
    static String redirect(Explanation.Redirect answer, HttpRedirect r) {
        List<String> parts = new ArrayList<>();
        if (r.scheme() != null) {
            parts.add("scheme " + r.scheme());
        }
        if (r.authority() != null) {
            parts.add("authority " + r.authority());
        }
        if (r.port() != null) {
            parts.add("port " + r.port());
        } else if (r.derivePort() != null) {
            parts.add("port " + (r.derivePort().name().equals("FROM_REQUEST_PORT") ? "of the request"
                    : "the scheme's default"));
        }
        if (r.uri() != null) {
            parts.add("uri " + r.uri());
        }
        return answer.status() + " -> " + answer.location() + (parts.isEmpty() ? ""
                : " (rule sets " + String.join(", ", parts) + ")");
    }

    static String directResponse(RoutePlan plan) {
        byte[] body = plan.directBody;
        if (body.length == 0) {
            return plan.directStatus + ", empty body";
        }
        String text = ExplainJson.utf8OrNull(body);
        if (text == null) {
            return plan.directStatus + ", binary body of " + Text.count(body.length, "byte", "bytes");
        }
        String shown = text.length() <= 60 ? text : text.substring(0, 57) + "...";
        return plan.directStatus + ", body \"" + shown.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("\n", "\\n") + "\" (" + Text.count(body.length, "byte", "bytes") + ")";
    }

    /** {@code 50%}, {@code 33.33%}: at most two decimals, no trailing zeros. */
    static String percent(double p) {
        BigDecimal d = BigDecimal.valueOf(p).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        return (d.scale() < 0 ? d.setScale(0) : d).toPlainString() + "%";
    }

    /** Istio's duration style: {@code 10s}, {@code 1.5s}, {@code 250ms}, {@code 0.5ms}, {@code 1h}, {@code 2m}. */
    static String duration(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 3_600_000_000_000L == 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos >= 1_000_000_000L) {
            return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "s";
        }
        return BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + "ms";
    }

    private void top(String label, String value) {
        lines.add(pad(label + ":", TOP) + value);
    }

    private void nested(String label, String value) {
        lines.add(NESTED_INDENT + pad(label + ":", NESTED) + value);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}

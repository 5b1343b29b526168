package io.inmesh.cli.internal;

import io.inmesh.config.DestinationRule.ClientTlsSettings;
import io.inmesh.config.DestinationRule.ConnectionPoolSettings;
import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.HttpSettings;
import io.inmesh.config.DestinationRule.OutlierDetection;
import io.inmesh.config.DestinationRule.RetryBudget;
import io.inmesh.config.DestinationRule.TcpSettings;
import io.inmesh.config.VirtualService.HttpRedirect;
import io.inmesh.discovery.Endpoint;
import io.inmesh.traffic.FaultPolicy;
import io.inmesh.traffic.RetryPolicy;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.internal.DestinationPolicy;
import io.inmesh.traffic.internal.RoutePlan;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code --json} form of an explanation: one object. Keys come in a fixed order; durations are milliseconds;
 * a value that does not apply, or a setting left at Istio's default of "none" or "unlimited", is null.
 */
final class ExplainJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ExplainJson() {
    }

    /** The explanation as one line of JSON. */
    static String toJson(Explanation e) {
        RouteDecision d = e.decision();
        boolean upstream = d.status() == RouteStatus.ROUTED || d.status() == RouteStatus.PASSTHROUGH;
        ObjectNode root = MAPPER.createObjectNode();
        root.put("host", d.host());
        root.put("virtualService", d.virtualService());
        root.put("status", d.status().name());
        if (d.routeIndex() < 0) {
            root.putNull("route");
        } else {
            ObjectNode route = root.putObject("route");
            route.put("index", d.routeIndex());
            route.put("name", d.routeName());
        }
        ArrayNode destinations = root.putArray("destinations");
        for (Explanation.Destination x : e.destinations()) {
            ObjectNode o = destinations.addObject();
            o.put("host", x.share().host());
            o.put("subset", x.share().subset());
            o.put("port", x.port());
            o.put("weight", x.share().weight());
            o.put("share", x.share().share());
            o.put("undefinedSubset", x.undefinedSubset() != null);
            if (x.endpoints() == null) {
                o.putNull("endpoints");
            } else {
                ArrayNode eps = o.putArray("endpoints");
                for (Endpoint ep : x.endpoints()) {
                    ObjectNode epo = eps.addObject();
                    epo.put("address", ep.address());
                    epo.put("port", ep.port());
                    labels(epo.putObject("labels"), ep.labels());
                    epo.put("serviceAccount", ep.serviceAccount());
                    epo.put("weight", ep.weight());
                }
            }
        }
        putMillis(root, "timeoutMs", d.timeout());
        if (upstream) {
            retries(root.putObject("retries"), d.retries());
        } else {
            root.putNull("retries");
        }
        fault(root, d.fault());
        ArrayNode mirrors = root.putArray("mirrors");
        for (Explanation.Mirror m : e.mirrors()) {
            ObjectNode o = mirrors.addObject();
            o.put("host", m.mirror().host());
            o.put("subset", m.mirror().subset());
            o.put("percentage", m.mirror().percentage());
            o.put("port", m.port());
            o.put("undefinedSubset", m.undefinedSubset() != null);
        }
        ArrayNode policies = root.putArray("trafficPolicy");
        for (Explanation.Destination x : e.destinations()) {
            trafficPolicy(policies.addObject(), x);
        }

        root.put("port", d.port());
        ObjectNode caller = root.putObject("caller");
        caller.put("namespace", e.caller().namespace());
        labels(caller.putObject("labels"), e.caller().labels());
        rewrite(root, d.plan().rewrite);
        redirect(root, d.plan().redirect, e.redirect());
        if (d.status() == RouteStatus.DIRECT_RESPONSE) {
            ObjectNode o = root.putObject("directResponse");
            o.put("status", d.plan().directStatus);
            o.put("body", utf8OrNull(d.plan().directBody));
            o.put("bodyBytes", d.plan().directBody.length);
        } else {
            root.putNull("directResponse");
        }
        ArrayNode notes = root.putArray("notes");
        e.notes().forEach(notes::add);
        Explanation.Upstream sent = e.upstream();
        root.put("upstreamPath", sent == null ? null : sent.path());
        root.put("upstreamAuthority", sent == null ? null : sent.authority());
        return MAPPER.writeValueAsString(root);
    }

    private static void retries(ObjectNode o, RetryPolicy r) {
        o.put("attempts", r.attempts());
        putMillis(o, "perTryTimeoutMs", r.perTryTimeout());
        ArrayNode on = o.putArray("retryOn");
        r.retryOn().forEach(on::add);
        ArrayNode codes = o.putArray("retriableStatusCodes");
        r.retriableStatusCodes().stream().sorted().forEach(codes::add);
        o.put("retryIgnorePreviousHosts", r.ignorePreviousHosts());
        putMillis(o, "backoffMs", r.backoff());
        o.put("default", r.isDefault());
    }

    private static void fault(ObjectNode root, FaultPolicy f) {
        if (f == null) {
            root.putNull("fault");
            return;
        }
        ObjectNode o = root.putObject("fault");
        if (f.delay() == null) {
            o.putNull("delay");
        } else {
            ObjectNode delay = o.putObject("delay");
            putMillis(delay, "fixedDelayMs", f.delay().fixedDelay());
            delay.put("percentage", f.delay().percentage());
        }
        if (f.abort() == null) {
            o.putNull("abort");
        } else {
            ObjectNode abort = o.putObject("abort");
            abort.put("httpStatus", f.abort().httpStatus());
            abort.put("grpcStatus", f.abort().grpcStatus());
            abort.put("percentage", f.abort().percentage());
        }
    }

    private static void trafficPolicy(ObjectNode o, Explanation.Destination x) {
        o.put("host", x.share().host());
        o.put("subset", x.share().subset());
        o.put("port", x.port());
        o.put("destinationRule", x.rule());
        DestinationPolicy p = x.policy();
        if (p == null) { // undefined subset: no policy is in force, the request fails
            for (String k : new String[] {"subsetLabels", "loadBalancer", "connectionPool", "outlierDetection",
                    "tls", "retryBudget"}) {
                o.putNull(k);
            }
            return;
        }
        if (p.subsetLabels() == null) {
            o.putNull("subsetLabels");
        } else {
            labels(o.putObject("subsetLabels"), p.subsetLabels());
        }
        loadBalancer(o.putObject("loadBalancer"), p);
        connectionPool(o.putObject("connectionPool"), p.connectionPool());
        outlierDetection(o, p.outlierDetection());
        tls(o, p.tls());
        RetryBudget b = p.retryBudget();
        if (b == null) {
            o.putNull("retryBudget");
        } else {
            ObjectNode rb = o.putObject("retryBudget");
            rb.put("percent", b.percent() == null ? PolicyDefaults.RETRY_BUDGET_PERCENT : b.percent());
            rb.put("minRetryConcurrency", b.minRetryConcurrency() == null
                    ? PolicyDefaults.RETRY_BUDGET_MIN_CONCURRENCY : b.minRetryConcurrency());
        }
    }

    private static void loadBalancer(ObjectNode o, DestinationPolicy p) {
        ConsistentHashLb ch = p.loadBalancer() == null ? null : p.loadBalancer().consistentHash();
        o.put("simple", ch != null ? null : PolicyDefaults.simple(p.loadBalancer()));
        if (ch == null) {
            o.putNull("consistentHash");
            return;
        }
        ObjectNode c = o.putObject("consistentHash");
        c.put("httpHeaderName", ch.httpHeaderName());
        if (ch.httpCookie() == null) {
            c.putNull("httpCookie");
        } else {
            ObjectNode cookie = c.putObject("httpCookie");
            cookie.put("name", ch.httpCookie().name());
            cookie.put("path", ch.httpCookie().path());
            putMillis(cookie, "ttlMs", ch.httpCookie().ttl());
        }
        c.put("useSourceIp", Boolean.TRUE.equals(ch.useSourceIp()));
        c.put("httpQueryParameterName", ch.httpQueryParameterName());
        if (ch.maglev() != null) {
            c.putNull("ringHash");
            c.putObject("maglev").put("tableSize", ch.maglev().tableSize() == null
                    ? PolicyDefaults.MAGLEV_TABLE_SIZE : ch.maglev().tableSize());
        } else {
            c.putObject("ringHash").put("minimumRingSize", PolicyDefaults.minimumRingSize(ch));
            c.putNull("maglev");
        }
    }

    private static void connectionPool(ObjectNode o, ConnectionPoolSettings pool) {
        TcpSettings tcp = pool == null ? null : pool.tcp();
        HttpSettings http = pool == null ? null : pool.http();
        ObjectNode t = o.putObject("tcp");
        t.put("maxConnections", tcp == null ? null : tcp.maxConnections());
        putMillis(t, "connectTimeoutMs", tcp == null || tcp.connectTimeout() == null
                ? PolicyDefaults.CONNECT_TIMEOUT : tcp.connectTimeout());
        putMillis(t, "idleTimeoutMs", tcp == null ? null : tcp.idleTimeout());
        putMillis(t, "maxConnectionDurationMs", tcp == null ? null : tcp.maxConnectionDuration());
        ObjectNode h = o.putObject("http");
        h.put("http1MaxPendingRequests", http == null ? null : http.http1MaxPendingRequests());
        h.put("http2MaxRequests", http == null ? null : http.http2MaxRequests());
        h.put("maxRequestsPerConnection", http == null ? null : zeroToNull(http.maxRequestsPerConnection()));
        h.put("maxRetries", http == null ? null : http.maxRetries());
        putMillis(h, "idleTimeoutMs", http == null ? null : http.idleTimeout());
    }

    private static void outlierDetection(ObjectNode root, OutlierDetection od) {
        if (od == null) {
            root.putNull("outlierDetection");
            return;
        }
        ObjectNode o = root.putObject("outlierDetection");
        o.put("consecutive5xxErrors", od.consecutive5xxErrors() == null
                ? PolicyDefaults.CONSECUTIVE_5XX : od.consecutive5xxErrors());
        o.put("consecutiveGatewayErrors", zeroToNull(od.consecutiveGatewayErrors()));
        putMillis(o, "intervalMs", od.interval() == null ? PolicyDefaults.INTERVAL : od.interval());
        putMillis(o, "baseEjectionTimeMs", od.baseEjectionTime() == null
                ? PolicyDefaults.BASE_EJECTION_TIME : od.baseEjectionTime());
        o.put("maxEjectionPercent", od.maxEjectionPercent() == null
                ? PolicyDefaults.MAX_EJECTION_PERCENT : od.maxEjectionPercent());
        o.put("minHealthPercent", od.minHealthPercent() == null ? 0 : od.minHealthPercent());
        if (od.consecutiveErrors() != null) {
            o.put("consecutiveErrors", od.consecutiveErrors());
        }
    }

    private static void tls(ObjectNode root, ClientTlsSettings tls) {
        if (tls == null) {
            root.putNull("tls");
            return;
        }
        ObjectNode o = root.putObject("tls");
        o.put("mode", tls.mode() == null ? null : tls.mode().name());
        o.put("sni", tls.sni());
        ArrayNode sans = o.putArray("subjectAltNames");
        if (tls.subjectAltNames() != null) {
            tls.subjectAltNames().forEach(sans::add);
        }
        o.put("caCertificates", tls.caCertificates());
        o.put("clientCertificate", tls.clientCertificate());
        o.put("insecureSkipVerify", Boolean.TRUE.equals(tls.insecureSkipVerify()));
    }

    private static void rewrite(ObjectNode root, RoutePlan.Rewrite rw) {
        if (rw == null) {
            root.putNull("rewrite");
            return;
        }
        ObjectNode o = root.putObject("rewrite");
        o.put("uri", rw.uri());
        if (rw.regex() == null) {
            o.putNull("uriRegexRewrite");
        } else {
            ObjectNode r = o.putObject("uriRegexRewrite");
            r.put("match", rw.regex().pattern());
            r.put("rewrite", PolicyDefaults.envoySubstitution(rw.regexReplacement()));
        }
        o.put("authority", rw.authority());
    }

    private static void redirect(ObjectNode root, HttpRedirect r, Explanation.Redirect answer) {
        if (r == null) {
            root.putNull("redirect");
            return;
        }
        ObjectNode o = root.putObject("redirect");
        o.put("redirectCode", r.redirectCode() == null ? PolicyDefaults.REDIRECT_CODE : r.redirectCode());
        o.put("scheme", r.scheme());
        o.put("authority", r.authority());
        o.put("port", r.port());
        o.put("derivePort", r.derivePort() == null ? null : r.derivePort().name());
        o.put("uri", r.uri());
        o.put("location", answer == null ? null : answer.location());
        o.put("status", answer == null ? null : answer.status());
    }

    private static void labels(ObjectNode o, Map<String, String> labels) {
        new TreeMap<>(labels).forEach(o::put);
    }

    private static Integer zeroToNull(Integer i) {
        return i == null || i == 0 ? null : i;
    }

    /** {@code d} in milliseconds: whole ones as an integer, a fraction as a decimal; null for null. */
    static void putMillis(ObjectNode o, String key, Duration d) {
        if (d == null) {
            o.putNull(key);
            return;
        }
        long nanos = d.toNanos();
        if (nanos % 1_000_000 == 0) {
            o.put(key, nanos / 1_000_000);
        } else {
            o.put(key, BigDecimal.valueOf(nanos, 6).stripTrailingZeros());
        }
    }

    /** The body as text when it is UTF-8, else null (its size is in {@code bodyBytes}). */
    static String utf8OrNull(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}

package io.inmesh.config.internal.validation;

import static io.inmesh.config.internal.validation.Checks.list;
import static io.inmesh.config.internal.validation.Checks.map;
import static io.inmesh.config.internal.validation.Report.q;

import io.inmesh.config.VirtualService;
import io.inmesh.config.VirtualService.Abort;
import io.inmesh.config.VirtualService.Delay;
import io.inmesh.config.VirtualService.Destination;
import io.inmesh.config.VirtualService.HeaderOperations;
import io.inmesh.config.VirtualService.Headers;
import io.inmesh.config.VirtualService.HttpMatchRequest;
import io.inmesh.config.VirtualService.HttpRetry;
import io.inmesh.config.VirtualService.HttpRoute;
import io.inmesh.config.VirtualService.HttpRouteDestination;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Istio's VirtualService rules (pkg/config/validation ValidateVirtualService and its helpers). */
final class VirtualServiceRules {
    private VirtualServiceRules() {
    }

    /** retryOn policies Envoy understands, gRPC ones included. */
    static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "reset-before-request",
            "connect-failure", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "envoy-ratelimited", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable");

    static final Set<String> GRPC_STATUS = Set.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");

    static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    static void validate(VirtualService vs, Report r) {
        VirtualService.Spec s = vs.spec();
        boolean delegate = s.hosts() == null || s.hosts().isEmpty();
        if (delegate) {
            if (s.gateways() != null && !s.gateways().isEmpty()) {
                r.error("spec.gateways", "a delegate VirtualService (one without hosts) must not set gateways");
            }
            if (s.http() == null) {
                r.error("spec.hosts", "a VirtualService needs at least one host");
            }
        }
        Set<String> seenHosts = new HashSet<>();
        for (int i = 0; i < Checks.size(s.hosts()); i++) {
            String h = s.hosts().get(i);
            String path = "spec.hosts[" + i + "]";
            if ("*".equals(h)) {
                r.error(path, "the wildcard host \"*\" is not allowed for a VirtualService that applies to the mesh;"
                        + " name the hosts, or use a suffix wildcard such as *.example.com");
                continue;
            }
            Checks.host(r, path, h, true);
            if (h != null && !seenHosts.add(h.toLowerCase(java.util.Locale.ROOT))) {
                r.error(path, "duplicate host " + q(h));
            }
        }
        boolean meshBound = s.gateways() == null || s.gateways().isEmpty() || s.gateways().contains("mesh");
        if (!meshBound) {
            r.warning("spec.gateways", "bound only to gateways " + s.gateways()
                    + "; InMesh applies rules for the \"mesh\" gateway only, so this VirtualService has no effect");
        }
        if (Checks.size(s.http()) == 0 && Checks.size(s.tcp()) == 0 && Checks.size(s.tls()) == 0) {
            r.error("spec", "a VirtualService needs http, tcp or tls routes; none is set");
        }
        for (int i = 0; i < Checks.size(s.http()); i++) {
            route(s.http().get(i), "spec.http[" + i + "]", delegate, r);
        }
    }

    private static void route(HttpRoute h, String p, boolean delegateVs, Report r) {
        int kinds = (h.route() != null ? 1 : 0) + (h.redirect() != null ? 1 : 0)
                + (h.directResponse() != null ? 1 : 0) + (h.delegate() != null ? 1 : 0);
        if (kinds == 0) {
            r.error(p, "an HTTP route needs one of route, redirect, directResponse or delegate; none is set");
        } else if (kinds > 1) {
            r.error(p, "an HTTP route may have only one of route, redirect, directResponse and delegate; "
                    + kinds + " are set");
        }
        if (h.delegate() != null) {
            if (delegateVs) {
                r.error(p + ".delegate", "a delegate VirtualService cannot delegate again: delegation is one level deep");
            }
            if (h.delegate().name() == null || h.delegate().name().isEmpty()) {
                r.error(p + ".delegate.name", "missing: the delegate VirtualService's name is required");
            }
        }
        if (h.redirect() != null) {
            if (h.rewrite() != null) {
                r.error(p + ".rewrite", "an HTTP route cannot have both redirect and rewrite");
            }
            if (h.fault() != null) {
                r.error(p + ".fault", "an HTTP route cannot have both redirect and fault");
            }
            var rd = h.redirect();
            if (rd.redirectCode() != null && !REDIRECT_CODES.contains(rd.redirectCode())) {
                r.error(p + ".redirect.redirectCode", "redirect code " + rd.redirectCode()
                        + " is not a redirect; expected 301, 302, 303, 307 or 308");
            }
            if (rd.port() != null && rd.derivePort() != null) {
                r.error(p + ".redirect", "set only one of port and derivePort");
            }
            Checks.port(r, p + ".redirect.port", rd.port());
            if (rd.uri() == null && rd.authority() == null && rd.scheme() == null && rd.port() == null
                    && rd.derivePort() == null) {
                r.error(p + ".redirect", "a redirect needs at least one of uri, authority, scheme, port or derivePort");
            }
        }
        if (h.directResponse() != null) {
            var dr = h.directResponse();
            if (dr.status() == null) {
                r.error(p + ".directResponse.status", "missing: a direct response needs a status");
            } else if (dr.status() < 200 || dr.status() > 599) {
                r.error(p + ".directResponse.status", "status " + dr.status() + " is out of range; expected 200 to 599");
            }
            if (dr.body() != null && dr.body().string() != null && dr.body().bytes() != null) {
                r.error(p + ".directResponse.body", "set only one of string and bytes");
            }
            if (h.rewrite() != null || h.retries() != null || h.mirror() != null || h.mirrors() != null
                    || h.fault() != null || h.timeout() != null) {
                r.error(p + ".directResponse", "a direct response route cannot also set rewrite, retries, mirror,"
                        + " mirrors, fault or timeout");
            }
        }
        Checks.emptyList(r, p + ".match", h.match(), "match");
        for (int i = 0; i < Checks.size(h.match()); i++) {
            match(h.match().get(i), p + ".match[" + i + "]", r);
        }
        routeDestinations(h.route(), p + ".route", r);
        Checks.timeout(r, p + ".timeout", h.timeout());
        retries(h.retries(), p + ".retries", r);
        fault(h, p + ".fault", r);
        mirrors(h, p, r);
        if (h.rewrite() != null) {
            var rw = h.rewrite();
            if (rw.uri() != null && rw.uriRegexRewrite() != null) {
                r.error(p + ".rewrite", "set only one of uri and uriRegexRewrite");
            }
            if (rw.uriRegexRewrite() != null) {
                if (rw.uriRegexRewrite().match() == null) {
                    r.error(p + ".rewrite.uriRegexRewrite.match", "missing: uriRegexRewrite needs a match regex");
                }
                Checks.regex(r, p + ".rewrite.uriRegexRewrite.match", rw.uriRegexRewrite().match());
                if (rw.uriRegexRewrite().rewrite() == null) {
                    r.error(p + ".rewrite.uriRegexRewrite.rewrite", "missing: uriRegexRewrite needs a rewrite");
                }
            }
            if (rw.uri() == null && rw.authority() == null && rw.uriRegexRewrite() == null) {
                r.error(p + ".rewrite", "a rewrite needs uri, authority or uriRegexRewrite");
            }
        }
        headers(h.headers(), p + ".headers", r);
        if (h.corsPolicy() != null) {
            var c = h.corsPolicy();
            if (c.allowOrigin() != null) {
                r.warning(p + ".corsPolicy.allowOrigin", "deprecated: use allowOrigins with exact, prefix or regex");
            }
            for (int i = 0; i < Checks.size(c.allowOrigins()); i++) {
                Checks.stringMatch(r, p + ".corsPolicy.allowOrigins[" + i + "]", c.allowOrigins().get(i), false);
            }
            for (int i = 0; i < Checks.size(c.allowMethods()); i++) {
                String m = c.allowMethods().get(i);
                if (!"*".equals(m) && !HTTP_METHODS.contains(m)) {
                    r.error(p + ".corsPolicy.allowMethods[" + i + "]", "method " + q(m)
                            + " is not an HTTP method; expected one of " + String.join(", ", HTTP_METHODS.stream().sorted().toList()));
                }
            }
            for (int i = 0; i < Checks.size(c.allowHeaders()); i++) {
                if (!"*".equals(c.allowHeaders().get(i))) {
                    Checks.headerName(r, p + ".corsPolicy.allowHeaders[" + i + "]", c.allowHeaders().get(i));
                }
            }
            for (int i = 0; i < Checks.size(c.exposeHeaders()); i++) {
                if (!"*".equals(c.exposeHeaders().get(i))) {
                    Checks.headerName(r, p + ".corsPolicy.exposeHeaders[" + i + "]", c.exposeHeaders().get(i));
                }
            }
            if (c.maxAge() != null && c.maxAge().toNanos() % 1_000_000_000L != 0) {
                r.error(p + ".corsPolicy.maxAge", "maxAge is accurate only to the second; expected whole seconds");
            }
        }
    }

    private static void match(HttpMatchRequest m, String p, Report r) {
        Checks.stringMatch(r, p + ".uri", m.uri(), false);
        Checks.stringMatch(r, p + ".scheme", m.scheme(), false);
        Checks.stringMatch(r, p + ".method", m.method(), false);
        Checks.stringMatch(r, p + ".authority", m.authority(), false);
        for (var e : map(m.headers()).entrySet()) {
            String hp = p + ".headers[" + e.getKey() + "]";
            Checks.headerName(r, hp, e.getKey());
            if (!e.getKey().equals(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                r.error(hp, "header name " + q(e.getKey()) + " must be lower-case (HTTP/2 and Envoy match lower-case"
                        + " names): use " + q(e.getKey().toLowerCase(java.util.Locale.ROOT)));
            }
            Checks.stringMatch(r, hp, e.getValue(), true);
        }
        for (var e : map(m.withoutHeaders()).entrySet()) {
            String hp = p + ".withoutHeaders[" + e.getKey() + "]";
            Checks.headerName(r, hp, e.getKey());
            if (!e.getKey().equals(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                r.error(hp, "header name " + q(e.getKey()) + " must be lower-case: use "
                        + q(e.getKey().toLowerCase(java.util.Locale.ROOT)));
            }
            if (e.getValue() != null && !"*".equals(e.getValue().regex())) {
                Checks.stringMatch(r, hp, e.getValue(), true);
            }
        }
        for (var e : map(m.queryParams()).entrySet()) {
            String qp = p + ".queryParams[" + e.getKey() + "]";
            if (e.getKey().isEmpty()) {
                r.error(qp, "query parameter name must not be empty");
            }
            Checks.stringMatch(r, qp, e.getValue(), true);
        }
        Checks.port(r, p + ".port", m.port());
        Checks.labels(r, p + ".sourceLabels", m.sourceLabels());
        if (m.sourceNamespace() != null && !Checks.isDns1123Label(m.sourceNamespace())) {
            r.error(p + ".sourceNamespace", "namespace " + q(m.sourceNamespace()) + " is not a valid DNS-1123 label");
        }
        if (m.gateways() != null && !m.gateways().isEmpty() && !m.gateways().contains("mesh")) {
            r.warning(p + ".gateways", "this match applies only at gateways " + m.gateways()
                    + "; it never matches in-process");
        }
        if (m.ignoreUriCase() != null && m.ignoreUriCase() && m.uri() != null && m.uri().regex() != null) {
            r.warning(p + ".ignoreUriCase", "ignoreUriCase applies to exact and prefix matches, not regex;"
                    + " use (?i) in the regex");
        }
    }

    private static void routeDestinations(List<HttpRouteDestination> route, String p, Report r) {
        if (route == null) {
            return;
        }
        if (route.isEmpty()) {
            r.error(p, "route must list at least one destination");
            return;
        }
        long total = 0;
        for (int i = 0; i < route.size(); i++) {
            HttpRouteDestination d = route.get(i);
            String dp = p + "[" + i + "]";
            destination(d.destination(), dp + ".destination", r);
            if (d.weight() != null) {
                if (d.weight() < 0) {
                    r.error(dp + ".weight", "weight " + d.weight() + " is negative; expected 0 or more"
                            + " (weights are relative: each destination gets weight / sum)");
                } else {
                    total += d.weight();
                }
            }
            headers(d.headers(), dp + ".headers", r);
        }
        if (route.size() > 1 && total == 0 && route.stream().noneMatch(d -> d.weight() != null && d.weight() < 0)) {
            r.error(p, "all " + route.size() + " destinations have weight 0 (an absent weight is 0); at least one"
                    + " must be positive");
        }
        if (route.size() > 1 && route.stream().anyMatch(d -> d.weight() == null)
                && route.stream().anyMatch(d -> d.weight() != null && d.weight() > 0)) {
            r.warning(p, "some destinations have no weight (0): they receive no traffic while others have weights");
        }
    }

    static void destination(Destination d, String p, Report r) {
        if (d == null) {
            r.error(p, "missing: a destination is required");
            return;
        }
        if (d.host() == null || d.host().isEmpty()) {
            r.error(p + ".host", "missing: a destination needs a host");
        } else {
            Checks.host(r, p + ".host", d.host(), false);
        }
        if (d.subset() != null && !Checks.isDns1123Label(d.subset())) {
            r.error(p + ".subset", "subset name " + q(d.subset()) + " is not a valid DNS-1123 label");
        }
        if (d.port() != null) {
            if (d.port().number() == null) {
                r.error(p + ".port.number", "missing: a port selector needs a number");
            }
            Checks.port(r, p + ".port.number", d.port().number());
        }
    }

    static void headers(Headers h, String p, Report r) {
        if (h == null) {
            return;
        }
        headerOps(h.request(), p + ".request", r);
        headerOps(h.response(), p + ".response", r);
    }

    private static void headerOps(HeaderOperations ops, String p, Report r) {
        if (ops == null) {
            return;
        }
        for (String k : map(ops.set()).keySet()) {
            Checks.headerName(r, p + ".set[" + k + "]", k);
        }
        for (String k : map(ops.add()).keySet()) {
            Checks.headerName(r, p + ".add[" + k + "]", k);
        }
        for (int i = 0; i < Checks.size(ops.remove()); i++) {
            Checks.headerName(r, p + ".remove[" + i + "]", ops.remove().get(i));
        }
    }

    private static void retries(HttpRetry rt, String p, Report r) {
        if (rt == null) {
            return;
        }
        if (rt.attempts() != null && rt.attempts() < 0) {
            r.error(p + ".attempts", "attempts " + rt.attempts() + " is negative; expected 0 (no retries) or more");
        }
        if (rt.attempts() != null && rt.attempts() == 0 && (rt.perTryTimeout() != null || rt.retryOn() != null
                || rt.retryRemoteLocalities() != null || rt.retryIgnorePreviousHosts() != null
                || rt.backoff() != null)) {
            r.error(p, "attempts 0 disables retries, so perTryTimeout, retryOn, retryRemoteLocalities,"
                    + " retryIgnorePreviousHosts and backoff must not be set with it");
        }
        Checks.timeout(r, p + ".perTryTimeout", rt.perTryTimeout());
        Checks.duration(r, p + ".backoff", rt.backoff());
        if (rt.retryOn() != null) {
            if (rt.retryOn().isBlank()) {
                r.error(p + ".retryOn", "retryOn is empty; expected a comma-separated list such as"
                        + " \"gateway-error,connect-failure\"");
            }
            for (String token : rt.retryOn().split(",")) {
                String t = token.trim();
                if (t.isEmpty() || RETRY_ON.contains(t)) {
                    continue;
                }
                if (t.chars().allMatch(Character::isDigit) && t.length() <= 3) {
                    int code = Integer.parseInt(t);
                    if (code < 100 || code > 599) {
                        r.error(p + ".retryOn", "status code " + t + " in retryOn is out of range; expected 100 to 599");
                    }
                    continue;
                }
                r.error(p + ".retryOn", "unknown retryOn policy " + q(t)
                        + io.inmesh.config.internal.bind.Hints.didYouMean(t, RETRY_ON)
                        + "; expected an HTTP status code or one of " + String.join(", ", RETRY_ON.stream().sorted().toList()));
            }
        }
    }

    private static void fault(HttpRoute h, String p, Report r) {
        if (h.fault() == null) {
            return;
        }
        Delay d = h.fault().delay();
        Abort a = h.fault().abort();
        if (d == null && a == null) {
            r.error(p, "a fault needs delay, abort or both");
        }
        if (d != null) {
            if (d.fixedDelay() == null && d.exponentialDelay() == null) {
                r.error(p + ".delay.fixedDelay", "missing: a delay needs fixedDelay");
            }
            if (d.fixedDelay() != null && d.exponentialDelay() != null) {
                r.error(p + ".delay", "set only one of fixedDelay and exponentialDelay");
            }
            Checks.duration(r, p + ".delay.fixedDelay", d.fixedDelay());
            Checks.percent(r, p + ".delay.percentage", d.percentage());
            if (d.percent() != null) {
                r.warning(p + ".delay.percent", "deprecated: use percentage.value");
                Checks.percent(r, p + ".delay.percent", d.percent());
                if (d.percentage() != null) {
                    r.error(p + ".delay", "set only one of percent and percentage");
                }
            }
        }
        if (a != null) {
            int set = (a.httpStatus() != null ? 1 : 0) + (a.grpcStatus() != null ? 1 : 0)
                    + (a.http2Error() != null ? 1 : 0);
            if (set == 0) {
                r.error(p + ".abort", "an abort needs httpStatus or grpcStatus");
            } else if (set > 1) {
                r.error(p + ".abort", "set only one of httpStatus, grpcStatus and http2Error");
            }
            if (a.httpStatus() != null && (a.httpStatus() < 200 || a.httpStatus() > 599)) {
                r.error(p + ".abort.httpStatus", "abort status " + a.httpStatus()
                        + " is out of range; expected 200 to 599");
            }
            if (a.grpcStatus() != null && !GRPC_STATUS.contains(a.grpcStatus())) {
                r.error(p + ".abort.grpcStatus", "unknown gRPC status " + q(a.grpcStatus())
                        + io.inmesh.config.internal.bind.Hints.didYouMean(a.grpcStatus(), GRPC_STATUS)
                        + "; expected a name such as UNAVAILABLE or DEADLINE_EXCEEDED");
            }
            Checks.percent(r, p + ".abort.percentage", a.percentage());
        }
    }

    private static void mirrors(HttpRoute h, String p, Report r) {
        if (h.mirror() != null && h.mirrors() != null) {
            r.error(p + ".mirrors", "set only one of mirror and mirrors");
        }
        if (h.mirrors() != null && (h.mirrorPercentage() != null || h.mirrorPercent() != null)) {
            r.error(p + ".mirrors", "mirrors carries its own percentage: mirrorPercentage and mirrorPercent go with"
                    + " mirror only");
        }
        if (h.mirrorPercent() != null) {
            r.warning(p + ".mirrorPercent", "deprecated: use mirrorPercentage.value");
            Checks.percent(r, p + ".mirrorPercent", h.mirrorPercent());
            if (h.mirrorPercentage() != null) {
                r.error(p + ".mirrorPercent", "set only one of mirrorPercent and mirrorPercentage");
            }
        }
        if (h.mirror() != null) {
            destination(h.mirror(), p + ".mirror", r);
        }
        Checks.percent(r, p + ".mirrorPercentage", h.mirrorPercentage());
        for (int i = 0; i < Checks.size(h.mirrors()); i++) {
            var m = h.mirrors().get(i);
            destination(m.destination(), p + ".mirrors[" + i + "].destination", r);
            Checks.percent(r, p + ".mirrors[" + i + "].percentage", m.percentage());
        }
    }

    static List<HttpRoute> routes(VirtualService vs) {
        return list(vs.spec().http());
    }
}

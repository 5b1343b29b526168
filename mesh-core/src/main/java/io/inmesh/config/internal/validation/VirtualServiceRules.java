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

    private static void sticky(VirtualService vs, Report r) {
        var annotations = vs.metadata().annotations();
        String value = annotations == null ? null : annotations.get(STICKY_ANNOTATION);
        if (value == null) {
            return;
        }
        String path = "metadata.annotations[" + STICKY_ANNOTATION + "]";
        String v = value.trim();
        String name = v.startsWith("header:") ? v.substring(7).trim() : v.startsWith("cookie:") ? v.substring(7).trim()
                : v;
        if (name.isEmpty() || !TOKEN.matcher(name).matches()) {
            r.error(path, "sticky canary key " + q(value) + " is not valid: expected header:NAME or cookie:NAME, NAME"
                    + " being a header or cookie name (letters, digits, -, _ ...)");
            return;
        }
        boolean split = false;
        for (var h : list(vs.spec().http())) {
            if (h.route() != null && h.route().size() > 1) {
                split = true;
                break;
            }
        }
        if (!split) {
            r.warning(path, "no http rule has more than one weighted destination, so the sticky canary has nothing"
                    + " to pin");
        }
    }

    static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    /** InMesh's sticky-canary annotation (see the README): {@code header:NAME} or {@code cookie:NAME}. */
    static final String STICKY_ANNOTATION = "inmesh.io/sticky-canary";
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    static void validate(VirtualService vs, Report r) {
        VirtualService.Spec s = vs.spec();
        sticky(vs, r);
        boolean delegate = s.hosts() == null || s.hosts().isEmpty();
        if (delegate) {
            if (s.gateways() != null && !s.gateways().isEmpty()) {
                r.error("spec.gateways", "a delegate VirtualService (one without hosts) must not set gateways");
            }
            if (s.http() == null) {
                r.error("spec.hosts", "a VirtualService needs at least one host");
            }
        }
        if (delegate && (s.tcp() != null || s.tls() != null)) {
            r.error("spec", "a delegate VirtualService (one without hosts) may hold http routes only, not tcp or tls");
        }
        boolean meshBound = s.gateways() == null || s.gateways().isEmpty() || s.gateways().contains("mesh");
        List<String> hosts = list(s.hosts());
        for (int i = 0; i < hosts.size(); i++) {
            String h = hosts.get(i);
            String path = "spec.hosts[" + i + "]";
            if ("*".equals(h) && meshBound) {
                r.error(path, "the wildcard host \"*\" is not allowed for a VirtualService bound to the mesh gateway;"
                        + " name the hosts, or use a suffix wildcard such as *.example.com");
                continue;
            }
            Checks.host(r, path, h, true);
            for (int j = 0; j < i && h != null; j++) {
                String other = hosts.get(j);
                String a = other == null ? null : other.toLowerCase(java.util.Locale.ROOT);
                String b = h.toLowerCase(java.util.Locale.ROOT);
                if (a != null && (io.inmesh.config.internal.Hosts.matches(a, b)
                        || io.inmesh.config.internal.Hosts.matches(b, a))) {
                    r.error(path, "duplicate hosts in one VirtualService: " + q(other) + " and " + q(h));
                    break;
                }
            }
        }
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
        boolean hasRoute = Checks.size(h.route()) > 0;
        int kinds = (hasRoute ? 1 : 0) + (h.redirect() != null ? 1 : 0) + (h.directResponse() != null ? 1 : 0);
        if (kinds == 0 && h.delegate() == null) {
            r.error(p, "an HTTP route needs one of route, redirect, directResponse or delegate; none is set");
        } else if (kinds > 1) {
            r.error(p, "an HTTP route may have only one of route, redirect and directResponse; " + kinds + " are set");
        } else if (h.delegate() != null && (hasRoute || h.redirect() != null)) {
            r.error(p + ".delegate", "a delegating route cannot also set route or redirect");
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
            if (rd.redirectCode() != null && (rd.redirectCode() < 300 || rd.redirectCode() > 399)) {
                r.error(p + ".redirect.redirectCode", "redirect code " + rd.redirectCode()
                        + " is not a redirect; expected a 3xx code such as 301, 302, 307 or 308");
            }
            if (rd.scheme() != null && !rd.scheme().equals("http") && !rd.scheme().equals("https")) {
                r.error(p + ".redirect.scheme", "redirect scheme " + q(rd.scheme()) + " is invalid; expected http or https");
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
            if (h.fault() != null) {
                r.error(p + ".fault", "an HTTP route cannot have both directResponse and fault");
            }
            if (h.rewrite() != null) {
                r.error(p + ".rewrite", "an HTTP route cannot have both directResponse and rewrite");
            }
            if (h.retries() != null || h.mirror() != null || h.mirrors() != null || h.timeout() != null) {
                r.warning(p + ".directResponse", "retries, mirror, mirrors and timeout have no effect on a direct"
                        + " response, which is answered without calling any destination");
            }
        }
        for (int i = 0; i < Checks.size(h.match()); i++) {
            match(h.match().get(i), p + ".match[" + i + "]", r);
        }
        routeDestinations(h.route(), p + ".route", r);
        Checks.duration(r, p + ".timeout", h.timeout());
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
            Checks.duration(r, p + ".corsPolicy.maxAge", c.maxAge());
        }
    }

    private static void match(HttpMatchRequest m, String p, Report r) {
        Checks.stringMatch(r, p + ".uri", m.uri(), true);
        Checks.stringMatch(r, p + ".scheme", m.scheme(), false);
        Checks.stringMatch(r, p + ".method", m.method(), false);
        Checks.stringMatch(r, p + ".authority", m.authority(), false);
        for (var e : map(m.headers()).entrySet()) {
            String hp = p + ".headers[" + e.getKey() + "]";
            matchHeaderName(r, hp, e.getKey());
            Checks.stringMatch(r, hp, e.getValue(), false);
        }
        for (var e : map(m.withoutHeaders()).entrySet()) {
            String hp = p + ".withoutHeaders[" + e.getKey() + "]";
            matchHeaderName(r, hp, e.getKey());
            if (e.getValue() != null && !"*".equals(e.getValue().regex())) {
                Checks.stringMatch(r, hp, e.getValue(), false);
            }
        }
        for (var e : map(m.queryParams()).entrySet()) {
            String qp = p + ".queryParams[" + e.getKey() + "]";
            if (e.getKey().isEmpty()) {
                r.error(qp, "query parameter name must not be empty");
            }
            Checks.stringMatch(r, qp, e.getValue(), false);
        }
        Checks.portOrUnset(r, p + ".port", m.port());
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

    /** Match header names: HTTP tokens or pseudo-headers; JWT claims work at gateways only. */
    private static void matchHeaderName(Report r, String path, String name) {
        if (name.startsWith("@request.auth.claims")) {
            r.error(path, "JWT claim based routing (" + q(name) + ") is supported only at gateways, not in the mesh");
            return;
        }
        Checks.headerName(r, path, name);
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
        if (total > Integer.MAX_VALUE) {
            r.error(p, "the weights add up to " + total + "; the sum must not exceed " + Integer.MAX_VALUE
                    + " (weights are relative: 1 and 3 split like 25 and 75)");
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
        } else if ("*".equals(d.host())) {
            r.error(p + ".host", "invalid destination host \"*\": name a service");
        } else {
            Checks.host(r, p + ".host", d.host(), true);
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
        headerOps(h.request(), p + ".request", true, r);
        headerOps(h.response(), p + ".response", false, r);
    }

    private static void headerOps(HeaderOperations ops, String p, boolean request, Report r) {
        if (ops == null) {
            return;
        }
        for (var e : map(ops.set()).entrySet()) {
            setHeaderName(r, p + ".set[" + e.getKey() + "]", e.getKey(), request);
            headerValue(r, p + ".set[" + e.getKey() + "]", e.getValue());
        }
        for (var e : map(ops.add()).entrySet()) {
            setHeaderName(r, p + ".add[" + e.getKey() + "]", e.getKey(), request);
            headerValue(r, p + ".add[" + e.getKey() + "]", e.getValue());
        }
        if (request && ops.set() != null && ops.add() != null
                && authority(ops.set().keySet()) && authority(ops.add().keySet())) {
            r.error(p, "the authority header cannot be set more than once");
        }
        for (int i = 0; i < Checks.size(ops.remove()); i++) {
            setHeaderName(r, p + ".remove[" + i + "]", ops.remove().get(i), false);
        }
    }

    /**
     * A header value InMesh can send: visible ASCII, space and tab. Envoy also passes other bytes, but HTTP clients
     * on the JVM (OkHttp) refuse them, so such a value would fail every request it applies to.
     */
    private static void headerValue(Report r, String path, String value) {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                r.error(path, "header value " + q(value) + " contains " + String.format("U+%04X", (int) c)
                        + " at position " + i + "; InMesh sends headers with OkHttp, which accepts only visible"
                        + " ASCII, space and tab in header values (percent-encode or drop the character)");
                return;
            }
        }
    }

    private static boolean authority(Set<String> names) {
        return names.stream().anyMatch(n -> n.equalsIgnoreCase("host") || n.equals(":authority"));
    }

    /** Request set/add may name the authority ({@code host} or {@code :authority}); nothing else may. */
    private static void setHeaderName(Report r, String path, String name, boolean requestSet) {
        if (name == null || name.isEmpty()) {
            r.error(path, "header name must not be empty");
            return;
        }
        boolean isAuthority = name.equalsIgnoreCase("host") || name.equals(":authority");
        if (isAuthority && !requestSet) {
            r.error(path, "cannot set or remove the Host header here; use rewrite.authority");
        } else if (name.startsWith(":") && !isAuthority) {
            r.error(path, "pseudo-header " + q(name) + " cannot be changed");
        } else if (!isAuthority) {
            Checks.headerName(r, path, name);
        }
    }

    private static void retries(HttpRetry rt, String p, Report r) {
        if (rt == null) {
            return;
        }
        if (rt.attempts() != null && rt.attempts() < 0) {
            r.error(p + ".attempts", "attempts " + rt.attempts() + " is negative; expected 0 (no retries) or more");
        }
        boolean retryOnSet = rt.retryOn() != null && !rt.retryOn().isEmpty();
        if ((rt.attempts() == null || rt.attempts() == 0)
                && (rt.perTryTimeout() != null || retryOnSet || rt.retryRemoteLocalities() != null)) {
            r.error(p, "retry policy configured while attempts is " + (rt.attempts() == null ? "absent (0)" : "0")
                    + ", which disables retries: set attempts, or remove perTryTimeout, retryOn and"
                    + " retryRemoteLocalities");
        }
        Checks.duration(r, p + ".perTryTimeout", rt.perTryTimeout());
        Checks.duration(r, p + ".backoff", rt.backoff());
        if (retryOnSet) {
            for (String t : rt.retryOn().split(",", -1)) {
                if (RETRY_ON.contains(t)) {
                    continue;
                }
                if (t.isEmpty() || !t.equals(t.strip())) {
                    r.error(p + ".retryOn", "retryOn " + q(rt.retryOn()) + " has an empty or space-padded policy;"
                            + " expected a comma-separated list without spaces, such as \"gateway-error,connect-failure\"");
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
                r.warning(p + ".delay", "a delay without fixedDelay delays nothing");
            }
            if (d.exponentialDelay() != null) {
                r.error(p + ".delay.exponentialDelay", "exponentialDelay is not supported (by Istio either)");
            }
            Checks.duration(r, p + ".delay.fixedDelay", d.fixedDelay());
            Checks.percent(r, p + ".delay.percentage", d.percentage());
            if (d.percent() != null) {
                r.warning(p + ".delay.percent", "deprecated: use percentage.value"
                        + (d.percentage() != null ? "; ignored because percentage is set" : ""));
                Checks.percent(r, p + ".delay.percent", d.percent());
            }
        }
        if (a != null) {
            int set = (a.httpStatus() != null ? 1 : 0) + (a.grpcStatus() != null ? 1 : 0)
                    + (a.http2Error() != null ? 1 : 0);
            if (set == 0) {
                r.warning(p + ".abort", "abort configured, but no error type: set httpStatus or grpcStatus");
            } else if (set > 1) {
                r.error(p + ".abort", "set only one of httpStatus, grpcStatus and http2Error");
            }
            if (a.http2Error() != null) {
                r.error(p + ".abort.http2Error", "HTTP/2 abort fault injection is not supported (by Istio either)");
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
            r.warning(p + ".mirrors", "mirrors carries its own percentage: mirrorPercentage and mirrorPercent apply"
                    + " to mirror only and are ignored here");
        }
        if (h.mirrorPercent() != null) {
            r.warning(p + ".mirrorPercent", "deprecated: use mirrorPercentage.value"
                    + (h.mirrorPercentage() != null ? "; ignored because mirrorPercentage is set" : ""));
            Checks.percent(r, p + ".mirrorPercent", h.mirrorPercent());
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
}

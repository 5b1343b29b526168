package io.inmesh.config.internal.validation;

import static io.inmesh.config.internal.validation.Report.q;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.AuthorizationPolicy.Action;
import io.inmesh.config.AuthorizationPolicy.Condition;
import io.inmesh.config.AuthorizationPolicy.Operation;
import io.inmesh.config.AuthorizationPolicy.Source;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.config.internal.yaml.YamlNode;
import io.inmesh.config.internal.yaml.YamlTreeReader;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Istio's rules for PeerAuthentication, AuthorizationPolicy and RequestAuthentication. */
final class SecurityRules {
    private SecurityRules() {
    }

    static void validate(PeerAuthentication pa, Report r, ConfigOptions options) {
        var s = pa.spec();
        Checks.selector(r, "spec.selector", s.selector());
        boolean hasSelector = s.selector() != null && s.selector().matchLabels() != null
                && !s.selector().matchLabels().isEmpty();
        if (s.portLevelMtls() != null) {
            if (!hasSelector) {
                r.error("spec.portLevelMtls", "portLevelMtls needs a workload selector: ports are a workload's own");
            }
            if (s.portLevelMtls().isEmpty()) {
                r.error("spec.portLevelMtls", "portLevelMtls must not be empty; leave it out instead");
            }
            for (var e : s.portLevelMtls().entrySet()) {
                Checks.port(r, "spec.portLevelMtls[" + e.getKey() + "]", e.getKey());
                if (e.getValue().mode() == null) {
                    r.error("spec.portLevelMtls[" + e.getKey() + "].mode", "missing: a port-level setting needs a mode");
                }
            }
        }
        if (hasSelector && options.rootNamespace().equals(pa.metadata().namespace())) {
            r.warning("spec.selector", "a PeerAuthentication in the root namespace " + q(options.rootNamespace())
                    + " with a selector is ignored, as Istio ignores it");
        }
    }

    static final Set<String> CONDITION_KEYS = Set.of("source.ip", "remote.ip", "source.namespace",
            "source.principal", "request.auth.principal", "request.auth.audiences", "request.auth.presenter",
            "destination.ip", "destination.port", "connection.sni", "source.serviceAccount");

    static void validate(AuthorizationPolicy ap, Report r) {
        var s = ap.spec();
        Action action = s.action() == null ? Action.ALLOW : s.action();
        Checks.selector(r, "spec.selector", s.selector());
        if (s.selector() != null && (s.targetRef() != null || s.targetRefs() != null)) {
            r.error("spec.selector", "set only one of selector and targetRef/targetRefs");
        }
        if (action == Action.CUSTOM) {
            r.warning("spec.action", "CUSTOM (external authorization) is not supported by InMesh; this policy is"
                    + " ignored");
            if (s.provider() == null || s.provider().name() == null || s.provider().name().isEmpty()) {
                r.error("spec.provider", "missing: a CUSTOM policy needs provider.name");
            }
        } else if (s.provider() != null) {
            r.error("spec.provider", "provider goes with action CUSTOM only; the action is " + action);
        }
        if ((action == Action.DENY || action == Action.AUDIT) && s.rules() == null) {
            r.error("spec.rules", "a " + action + " policy without rules is invalid; to deny everything use an"
                    + " ALLOW policy with no rules (spec: {})");
        }
        Checks.emptyList(r, "spec.rules", s.rules(), "rules");
        for (int i = 0; i < Checks.size(s.rules()); i++) {
            var rule = s.rules().get(i);
            String p = "spec.rules[" + i + "]";
            Checks.emptyList(r, p + ".from", rule.from(), "from");
            Checks.emptyList(r, p + ".to", rule.to(), "to");
            Checks.emptyList(r, p + ".when", rule.when(), "when");
            for (int j = 0; j < Checks.size(rule.from()); j++) {
                String fp = p + ".from[" + j + "]";
                Source src = rule.from().get(j).source();
                if (src == null) {
                    r.error(fp + ".source", "missing: from needs a source");
                } else {
                    source(src, fp + ".source", r);
                }
            }
            for (int j = 0; j < Checks.size(rule.to()); j++) {
                String tp = p + ".to[" + j + "]";
                Operation op = rule.to().get(j).operation();
                if (op == null) {
                    r.error(tp + ".operation", "missing: to needs an operation");
                } else {
                    operation(op, tp + ".operation", r);
                }
            }
            for (int j = 0; j < Checks.size(rule.when()); j++) {
                condition(rule.when().get(j), p + ".when[" + j + "]", r);
            }
        }
    }

    private static void source(Source s, String p, Report r) {
        List<List<String>> all = List.of(nz(s.principals()), nz(s.notPrincipals()), nz(s.requestPrincipals()),
                nz(s.notRequestPrincipals()), nz(s.namespaces()), nz(s.notNamespaces()), nz(s.ipBlocks()),
                nz(s.notIpBlocks()), nz(s.remoteIpBlocks()), nz(s.notRemoteIpBlocks()), nz(s.serviceAccounts()),
                nz(s.notServiceAccounts()));
        if (all.stream().allMatch(List::isEmpty)) {
            r.error(p, "a source must set at least one field; an empty source matches nothing useful");
        }
        strings(r, p + ".principals", s.principals(), true);
        strings(r, p + ".notPrincipals", s.notPrincipals(), true);
        strings(r, p + ".requestPrincipals", s.requestPrincipals(), false);
        strings(r, p + ".notRequestPrincipals", s.notRequestPrincipals(), false);
        strings(r, p + ".namespaces", s.namespaces(), false);
        strings(r, p + ".notNamespaces", s.notNamespaces(), false);
        strings(r, p + ".serviceAccounts", s.serviceAccounts(), false);
        strings(r, p + ".notServiceAccounts", s.notServiceAccounts(), false);
        ips(r, p + ".ipBlocks", s.ipBlocks());
        ips(r, p + ".notIpBlocks", s.notIpBlocks());
        ips(r, p + ".remoteIpBlocks", s.remoteIpBlocks());
        ips(r, p + ".notRemoteIpBlocks", s.notRemoteIpBlocks());
        if (s.serviceAccounts() != null && s.principals() != null) {
            r.error(p, "set only one of serviceAccounts and principals");
        }
    }

    private static void operation(Operation o, String p, Report r) {
        List<List<String>> all = List.of(nz(o.hosts()), nz(o.notHosts()), nz(o.ports()), nz(o.notPorts()),
                nz(o.methods()), nz(o.notMethods()), nz(o.paths()), nz(o.notPaths()));
        if (all.stream().allMatch(List::isEmpty)) {
            r.error(p, "an operation must set at least one field");
        }
        strings(r, p + ".hosts", o.hosts(), false);
        strings(r, p + ".notHosts", o.notHosts(), false);
        strings(r, p + ".methods", o.methods(), false);
        strings(r, p + ".notMethods", o.notMethods(), false);
        ports(r, p + ".ports", o.ports());
        ports(r, p + ".notPorts", o.notPorts());
        paths(r, p + ".paths", o.paths());
        paths(r, p + ".notPaths", o.notPaths());
    }

    private static void condition(Condition c, String p, Report r) {
        String key = c.key();
        if (key == null || key.isEmpty()) {
            r.error(p + ".key", "missing: a condition needs a key");
        } else if (!knownKey(key)) {
            r.error(p + ".key", "unknown condition key " + q(key)
                    + io.inmesh.config.internal.bind.Hints.didYouMean(key, CONDITION_KEYS)
                    + "; expected one of request.headers[NAME], request.auth.claims[NAME], "
                    + String.join(", ", CONDITION_KEYS.stream().sorted().toList()));
        }
        if (Checks.size(c.values()) == 0 && Checks.size(c.notValues()) == 0) {
            r.error(p, "a condition needs values or notValues");
        }
        if (key == null) {
            return;
        }
        if (key.equals("source.ip") || key.equals("remote.ip") || key.equals("destination.ip")) {
            ips(r, p + ".values", c.values());
            ips(r, p + ".notValues", c.notValues());
        } else if (key.equals("destination.port")) {
            ports(r, p + ".values", c.values());
            ports(r, p + ".notValues", c.notValues());
        } else {
            strings(r, p + ".values", c.values(), false);
            strings(r, p + ".notValues", c.notValues(), false);
        }
    }

    private static boolean knownKey(String key) {
        if (CONDITION_KEYS.contains(key)) {
            return true;
        }
        if (key.startsWith("request.headers[") && key.endsWith("]")) {
            return key.length() > "request.headers[]".length();
        }
        if (key.startsWith("request.auth.claims[") && key.endsWith("]")) {
            String inner = key.substring("request.auth.claims[".length(), key.length() - 1);
            return !inner.isEmpty() && !inner.startsWith("][") && !inner.endsWith("][") && !inner.contains("][][");
        }
        return false;
    }

    /** Values matched as exact, "prefix*", "*suffix" or "*". */
    private static void strings(Report r, String p, List<String> values, boolean principals) {
        for (int i = 0; i < Checks.size(values); i++) {
            String v = values.get(i);
            String vp = p + "[" + i + "]";
            if (v == null || v.isEmpty()) {
                r.error(vp, "empty value: expected a value, \"prefix*\", \"*suffix\" or \"*\"");
                continue;
            }
            if (v.length() > 1 && v.substring(1, v.length() - 1).contains("*")) {
                r.error(vp, "value " + q(v) + " has a * in the middle; only a leading or trailing * is supported"
                        + " (no regex)");
            }
            if (principals && v.startsWith("spiffe://")) {
                r.error(vp, "principal " + q(v) + " starts with spiffe://; principals are written without it, as"
                        + " " + q(v.substring("spiffe://".length())));
            }
        }
    }

    private static void ips(Report r, String p, List<String> values) {
        for (int i = 0; i < Checks.size(values); i++) {
            String problem = Checks.ipOrCidrProblem(values.get(i));
            if (problem != null) {
                r.error(p + "[" + i + "]", problem);
            }
        }
    }

    private static void ports(Report r, String p, List<String> values) {
        for (int i = 0; i < Checks.size(values); i++) {
            String v = values.get(i);
            int port;
            try {
                port = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                r.error(p + "[" + i + "]", "port " + q(v) + " is not a port number; expected 0 to 65535");
            }
        }
    }

    private static void paths(Report r, String p, List<String> values) {
        for (int i = 0; i < Checks.size(values); i++) {
            String v = values.get(i);
            String vp = p + "[" + i + "]";
            if (v == null || v.isEmpty()) {
                r.error(vp, "empty path");
                continue;
            }
            if (v.contains("{")) {
                templatePath(r, vp, v);
                continue;
            }
            if (!v.startsWith("/") && !v.startsWith("*")) {
                r.error(vp, "path " + q(v) + " must start with / (or be \"*\" or \"*suffix\")");
            }
            if (v.length() > 1 && v.substring(1, v.length() - 1).contains("*")) {
                r.error(vp, "path " + q(v) + " has a * in the middle; use {*} or {**} path templates");
            }
        }
    }

    /** Path templates: {@code {*}} is one segment, {@code {**}} any rest and only last; no other braces. */
    private static void templatePath(Report r, String p, String v) {
        if (!v.startsWith("/")) {
            r.error(p, "path template " + q(v) + " must start with /");
            return;
        }
        String[] segments = v.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String seg = segments[i];
            if (seg.contains("{") || seg.contains("}")) {
                if (seg.equals("{**}")) {
                    if (i != segments.length - 1) {
                        r.error(p, "path template " + q(v) + ": {**} must be the last segment");
                    }
                } else if (!seg.equals("{*}")) {
                    r.error(p, "path template " + q(v) + ": segment " + q(seg)
                            + " is not a template; expected a whole segment {*} or {**}");
                }
            } else if (seg.contains("*")) {
                r.error(p, "path template " + q(v) + " mixes * with {*}/{**} templates");
            }
        }
    }

    private static List<String> nz(List<String> l) {
        return l == null ? List.of() : l;
    }

    static void validate(RequestAuthentication ra, Report r) {
        var s = ra.spec();
        Checks.selector(r, "spec.selector", s.selector());
        if (s.selector() != null && (s.targetRef() != null || s.targetRefs() != null)) {
            r.error("spec.selector", "set only one of selector and targetRef/targetRefs");
        }
        Set<String> issuers = new HashSet<>();
        for (int i = 0; i < Checks.size(s.jwtRules()); i++) {
            var rule = s.jwtRules().get(i);
            String p = "spec.jwtRules[" + i + "]";
            if (rule.issuer() == null || rule.issuer().isEmpty()) {
                r.error(p + ".issuer", "missing: a JWT rule needs an issuer");
            } else if (!issuers.add(rule.issuer())) {
                r.error(p + ".issuer", "duplicate issuer " + q(rule.issuer()) + "; issuers must be unique");
            }
            for (int j = 0; j < Checks.size(rule.audiences()); j++) {
                if (rule.audiences().get(j).isEmpty()) {
                    r.error(p + ".audiences[" + j + "]", "empty audience");
                }
            }
            if (rule.jwks() != null && rule.jwksUri() != null) {
                r.error(p, "set only one of jwks and jwksUri");
            }
            if (rule.jwksUri() != null) {
                jwksUri(r, p + ".jwksUri", rule.jwksUri());
            }
            if (rule.jwks() != null) {
                jwks(r, p + ".jwks", rule.jwks());
            }
            for (int j = 0; j < Checks.size(rule.fromHeaders()); j++) {
                var h = rule.fromHeaders().get(j);
                Checks.headerName(r, p + ".fromHeaders[" + j + "].name", h.name());
            }
            for (int j = 0; j < Checks.size(rule.fromParams()); j++) {
                if (rule.fromParams().get(j).isEmpty()) {
                    r.error(p + ".fromParams[" + j + "]", "empty query parameter name");
                }
            }
            for (int j = 0; j < Checks.size(rule.fromCookies()); j++) {
                if (rule.fromCookies().get(j).isEmpty()) {
                    r.error(p + ".fromCookies[" + j + "]", "empty cookie name");
                }
            }
            if (rule.outputPayloadToHeader() != null) {
                Checks.headerName(r, p + ".outputPayloadToHeader", rule.outputPayloadToHeader());
            }
            for (int j = 0; j < Checks.size(rule.outputClaimToHeaders()); j++) {
                var c = rule.outputClaimToHeaders().get(j);
                Checks.headerName(r, p + ".outputClaimToHeaders[" + j + "].header", c.header());
                if (c.claim() == null || c.claim().isEmpty()) {
                    r.error(p + ".outputClaimToHeaders[" + j + "].claim", "missing: the claim to copy");
                }
            }
            Checks.duration(r, p + ".timeout", rule.timeout());
        }
    }

    private static void jwksUri(Report r, String p, String uri) {
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                    || u.getHost() == null) {
                r.error(p, "jwksUri " + q(uri) + " is not an http(s) URL with a host");
            }
        } catch (java.net.URISyntaxException e) {
            r.error(p, "jwksUri " + q(uri) + " is not a valid URL: " + e.getReason());
        }
    }

    /** A JWKS document is JSON (which is YAML) holding a non-empty "keys" list. */
    private static void jwks(Report r, String p, String jwks) {
        var result = YamlTreeReader.read(jwks);
        if (!result.problems().isEmpty() || result.documents().size() != 1
                || !(result.documents().get(0).root() instanceof YamlNode.MapNode m)
                || !(m.get("keys") instanceof YamlNode.ListNode keys) || keys.items().isEmpty()) {
            r.error(p, "jwks is not a JSON Web Key Set: expected a JSON object with a non-empty \"keys\" list");
        }
    }
}

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

    /** Keys Istio refuses with a reason of their own. */
    static final Set<String> UNSUPPORTED_KEYS = Set.of("destination.namespace", "destination.labels",
            "destination.name", "destination.user");

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
        if (action == Action.DENY && Checks.size(s.rules()) == 0) {
            r.error("spec.rules", "a DENY policy without rules is meaningless as it never matches; add an empty rule"
                    + " {} to deny every request");
        }
        if (action == Action.CUSTOM && s.rules() == null) {
            r.error("spec.rules", "a CUSTOM policy needs rules");
        }
        for (int i = 0; i < Checks.size(s.rules()); i++) {
            var rule = s.rules().get(i);
            String p = "spec.rules[" + i + "]";
            Checks.emptyList(r, p + ".from", rule.from(), "from");
            Checks.emptyList(r, p + ".to", rule.to(), "to");
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
                Condition c = rule.when().get(j);
                condition(c, p + ".when[" + j + "]", r);
                if ((action == Action.DENY || action == Action.AUDIT) && c.key() != null
                        && c.key().startsWith("request.headers[") && Checks.size(c.values()) > 0) {
                    r.warning(p + ".when[" + j + "].values", "differs from Istio: in a " + action + " policy InMesh"
                            + " matches a header sent more than once when any one of its values matches; Envoy"
                            + " matches only the values joined with commas, so a repeated header steps around"
                            + " the rule there (see the README, \"Where InMesh differs\")");
                }
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
        ips(r, p + ".ipBlocks", s.ipBlocks());
        ips(r, p + ".notIpBlocks", s.notIpBlocks());
        ips(r, p + ".remoteIpBlocks", s.remoteIpBlocks());
        ips(r, p + ".notRemoteIpBlocks", s.notRemoteIpBlocks());
        serviceAccounts(r, p + ".serviceAccounts", s.serviceAccounts());
        serviceAccounts(r, p + ".notServiceAccounts", s.notServiceAccounts());
        boolean accounts = s.serviceAccounts() != null || s.notServiceAccounts() != null;
        if (accounts && (s.principals() != null || s.notPrincipals() != null || s.namespaces() != null
                || s.notNamespaces() != null)) {
            r.error(p, "serviceAccounts cannot be set with namespaces or principals");
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
        } else if (UNSUPPORTED_KEYS.contains(key)) {
            r.error(p + ".key", "condition key " + q(key) + " is not supported; it names the destination, which the"
                    + " policy's selector already picks");
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
        } else if (key.equals("source.serviceAccount")) {
            serviceAccounts(r, p + ".values", c.values());
            serviceAccounts(r, p + ".notValues", c.notValues());
        } else {
            strings(r, p + ".values", c.values(), false);
            strings(r, p + ".notValues", c.notValues(), false);
        }
    }

    private static boolean knownKey(String key) {
        if (CONDITION_KEYS.contains(key)) {
            return true;
        }
        if ((key.startsWith("request.headers[") || key.startsWith("request.experimental.inline.headers["))
                && key.endsWith("]")) {
            return !key.endsWith("[]");
        }
        if (key.startsWith("experimental.envoy.filters.") && key.contains("[") && key.endsWith("]")) {
            return true;
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
            if (v.length() > 2 && v.substring(1, v.length() - 1).contains("*")) {
                r.warning(vp, "value " + q(v) + " has a * in the middle, which matches only a literal *: wildcards"
                        + " work as a prefix or suffix only");
            }
            if (principals && v.startsWith("spiffe://")) {
                r.warning(vp, "principal " + q(v) + " starts with spiffe:// and never matches; principals are"
                        + " written without it, as " + q(v.substring("spiffe://".length())));
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
            } else if (v.contains("{") || v.contains("}")) {
                templatePath(r, vp, v);
            }
        }
    }

    /**
     * Path templates: a segment holding a brace must be exactly {@code {*}} (one segment) or {@code {**}} (any
     * rest), and no template may follow {@code {**}}.
     */
    private static void templatePath(Report r, String p, String v) {
        boolean sawRest = false;
        for (String seg : v.split("/", -1)) {
            if (!seg.contains("{") && !seg.contains("}")) {
                continue;
            }
            if (!seg.equals("{*}") && !seg.equals("{**}")) {
                r.error(p, "path template " + q(v) + ": segment " + q(seg)
                        + " is not a template; expected a whole segment {*} or {**}");
                return;
            }
            if (sawRest) {
                r.error(p, "path template " + q(v) + ": {**} is not the last operator");
                return;
            }
            sawRest = seg.equals("{**}");
        }
    }

    /** Service accounts: {@code sa} or {@code ns/sa}, no wildcards, at most 16 values of at most 320 chars. */
    private static void serviceAccounts(Report r, String p, List<String> values) {
        if (values == null) {
            return;
        }
        if (values.size() > 16) {
            r.error(p, values.size() + " service accounts; at most 16 are allowed");
        }
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String[] parts = v.split("/", -1);
            if (v.contains("*")) {
                r.error(p + "[" + i + "]", "service account " + q(v) + ": wildcards are not allowed");
            } else if (v.length() > 320 || parts.length > 2 || java.util.Arrays.stream(parts).anyMatch(String::isEmpty)) {
                r.error(p + "[" + i + "]", "service account " + q(v) + " is not of the form NAME or NAMESPACE/NAME");
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
            boolean noIssuer = rule.issuer() == null || rule.issuer().isEmpty();
            if (noIssuer && (rule.jwksUri() == null || rule.jwksUri().isEmpty())) {
                r.error(p + ".issuer", "missing: a JWT rule needs an issuer (or at least a jwksUri)");
            } else if (!noIssuer && !issuers.add(rule.issuer())) {
                r.warning(p + ".issuer", "issuer " + q(rule.issuer()) + " has an earlier rule; this one is ignored");
            }
            for (int j = 0; j < Checks.size(rule.audiences()); j++) {
                if (rule.audiences().get(j).isEmpty()) {
                    r.error(p + ".audiences[" + j + "]", "empty audience");
                }
            }
            if (rule.jwks() != null && rule.jwksUri() != null) {
                r.warning(p + ".jwksUri", "jwks is set, so jwksUri is ignored");
            }
            if (rule.jwksUri() != null) {
                jwksUri(r, p + ".jwksUri", rule.jwksUri());
            }
            if (rule.jwks() != null) {
                jwks(r, p + ".jwks", rule.jwks());
            }
            for (int j = 0; j < Checks.size(rule.fromHeaders()); j++) {
                var h = rule.fromHeaders().get(j);
                if (h.name() == null || h.name().isEmpty()) {
                    r.error(p + ".fromHeaders[" + j + "].name", "missing: the header to read the token from");
                }
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
            for (int j = 0; j < Checks.size(rule.outputClaimToHeaders()); j++) {
                var c = rule.outputClaimToHeaders().get(j);
                if (c.header() == null || !CLAIM_HEADER.matcher(c.header()).matches()) {
                    r.error(p + ".outputClaimToHeaders[" + j + "].header", "header name " + q(c.header())
                            + " is not valid; expected letters, digits and '-' only");
                }
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
            if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))) {
                r.error(p, "jwksUri " + q(uri) + " is not an http or https URL");
            }
        } catch (java.net.URISyntaxException e) {
            r.error(p, "jwksUri " + q(uri) + " is not a valid URL: " + e.getReason());
        }
    }

    /** A JWKS document is JSON (which is YAML): a key set {@code {"keys": [...]}} or a single key with "kty". */
    private static void jwks(Report r, String p, String jwks) {
        var result = YamlTreeReader.read(jwks);
        boolean ok = jwks.strip().startsWith("{") && result.problems().isEmpty() && result.documents().size() == 1
                && result.documents().get(0).root() instanceof YamlNode.MapNode m
                && (m.get("keys") instanceof YamlNode.ListNode || m.get("kty") != null);
        if (!ok) {
            r.error(p, "jwks is not a JSON Web Key Set: expected a JSON object with a \"keys\" list, or a single"
                    + " key with \"kty\"");
        }
    }

    private static final java.util.regex.Pattern CLAIM_HEADER = java.util.regex.Pattern.compile("[-A-Za-z0-9]+");
}

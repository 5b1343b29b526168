package io.inmesh.security.internal.authz;

import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import io.inmesh.security.SpiffeId;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled piece of an AuthorizationPolicy rule: one attribute against one value, or a combination. Each
 * {@link #test} reads the request directly and allocates nothing (except where noted: repeated headers).
 *
 * <p>An absent attribute (no peer certificate, no JWT, no such header) never matches a value, so it matches every
 * {@code notX} list: Envoy's RBAC matchers return false for what is missing (its {@code authenticated} matcher
 * returns false on a plaintext connection), and Istio compiles {@code notX} as {@code not_id}/{@code not_rule} of
 * those matchers. Hence {@code notPrincipals} and {@code notNamespaces} match a plaintext request, and a DENY
 * policy with {@code notRequestPrincipals: ["*"]} denies requests without a JWT, as Istio's "require a JWT" task
 * shows.
 */
abstract class Cond {

    /**
     * @param r    the request
     * @param id   the request's JWT identity, or null
     * @param path the normalised path, or null when no policy looks at paths
     */
    abstract boolean test(InboundRequest r, RequestIdentity id, String path);

    /**
     * A rough relative cost of {@link #test}, so that {@link #allOf} tries cheap conditions first: an int or enum
     * comparison is 1, a short string 2, a long string or a JWT claim 3, a case-insensitive host 4, a header lookup
     * (which may join repeated values) 5. The conditions are pure, so their order changes the time a decision takes,
     * never the decision.
     */
    int cost() {
        return 3;
    }

    static final Cond ALWAYS = new Cond() {
        @Override
        boolean test(InboundRequest r, RequestIdentity id, String path) {
            return true;
        }

        @Override
        public String toString() {
            return "any";
        }
    };

    static final Cond NEVER = new Cond() {
        @Override
        boolean test(InboundRequest r, RequestIdentity id, String path) {
            return false;
        }

        @Override
        public String toString() {
            return "none";
        }
    };

    static Cond not(Cond c) {
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return !c.test(r, id, path);
            }

            @Override
            int cost() {
                return c.cost();
            }

            @Override
            public String toString() {
                return "not(" + c + ")";
            }
        };
    }

    static Cond anyOf(List<Cond> conds) {
        if (conds.isEmpty()) {
            return NEVER;
        }
        if (conds.size() == 1) {
            return conds.get(0);
        }
        Cond[] all = conds.toArray(new Cond[0]);
        int cost = conds.stream().mapToInt(Cond::cost).sum();
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                for (Cond c : all) {
                    if (c.test(r, id, path)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            int cost() {
                return cost;
            }

            @Override
            public String toString() {
                return "anyOf" + List.of(all);
            }
        };
    }

    /** All of {@code conds}, tried cheapest first ({@link #cost}; ties keep their order); false at the first miss. */
    static Cond allOf(List<Cond> conds) {
        if (conds.isEmpty()) {
            return ALWAYS;
        }
        if (conds.size() == 1) {
            return conds.get(0);
        }
        Cond[] written = conds.toArray(new Cond[0]);
        Cond[] all = written.clone();
        java.util.Arrays.sort(all, java.util.Comparator.comparingInt(Cond::cost)); // stable
        int cost = conds.stream().mapToInt(Cond::cost).sum();
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                for (Cond c : all) {
                    if (!c.test(r, id, path)) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            int cost() {
                return cost;
            }

            @Override
            public String toString() {
                return "allOf" + List.of(written);
            }
        };
    }

    // ---- source -------------------------------------------------------------------------------------------

    /**
     * {@code principals}, {@code source.principal}: Istio compiles {@code v} to a match on the peer's URI SAN with
     * {@code spiffe://} in front (exact, prefix, {@code spiffe://.*suffix}, or {@code .+} for {@code *}); on
     * {@link SpiffeId#principal()} that is the same match without the scheme.
     */
    static Cond principal(String v) {
        ValueMatcher m = ValueMatcher.of(v, false, false);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                SpiffeId peer = r.peer();
                return peer != null && m.matchesConcat(peer.trustDomain(), peer.path());
            }

            @Override
            public String toString() {
                return "principal " + v;
            }
        };
    }

    /**
     * {@code namespaces}, {@code source.namespace}: Istio matches the peer principal against a regex made of
     * {@code .*}, then {@code /ns/V/}, then {@code .*}, with each {@code *} of V turned into {@code .*} (generator.go,
     * {@code srcNamespaceGenerator}). That is: the SPIFFE path contains {@code /ns/V/}, with V's stars matching any
     * text. Implemented as an unanchored glob over the SPIFFE ID's path.
     */
    static Cond namespace(String v) {
        String[] parts = ("/ns/" + v + "/").split("\\*", -1);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                SpiffeId peer = r.peer();
                if (peer == null) {
                    return false;
                }
                String p = peer.path();
                int at = 0;
                for (String part : parts) {
                    int found = p.indexOf(part, at);
                    if (found < 0) {
                        return false;
                    }
                    at = found + part.length();
                }
                return true;
            }

            @Override
            public String toString() {
                return "namespace " + v;
            }
        };
    }

    /**
     * {@code serviceAccounts}, {@code source.serviceAccount}: {@code NAME} (in the policy's namespace) or
     * {@code NAMESPACE/NAME}. Istio's regex ({@code serviceAccountRegex} in generator.go) is
     * {@code spiffe://.+/ns/NS/(.+/|)sa/SA(/.+)?}: the path holds {@code /ns/NS/}, then later a segment pair
     * {@code sa/SA} that ends the path or is followed by more segments.
     */
    static Cond serviceAccount(String v, String policyNamespace) {
        int slash = v.indexOf('/');
        String ns = slash < 0 ? policyNamespace : v.substring(0, slash);
        String sa = slash < 0 ? v : v.substring(slash + 1);
        String nsPart = "/ns/" + ns + "/";
        String saPart = "sa/" + sa;
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                SpiffeId peer = r.peer();
                if (peer == null) {
                    return false;
                }
                String p = peer.path();
                for (int i = p.indexOf(nsPart); i >= 0; i = p.indexOf(nsPart, i + 1)) {
                    int after = i + nsPart.length();
                    for (int j = p.indexOf(saPart, after); j >= 0; j = p.indexOf(saPart, j + 1)) {
                        boolean direct = j == after;
                        boolean nested = j >= after + 2 && p.charAt(j - 1) == '/';
                        int end = j + saPart.length();
                        boolean tail = end == p.length() || (p.charAt(end) == '/' && end + 1 < p.length());
                        if ((direct || nested) && tail) {
                            return true;
                        }
                    }
                }
                return false;
            }

            @Override
            public String toString() {
                return "serviceAccount " + ns + "/" + sa;
            }
        };
    }

    /**
     * {@code requestPrincipals}, {@code request.auth.principal}: as Istio 1.22+ compiles them
     * ({@code requestPrincipalGenerator} in generator.go), the value is split at its last {@code /} into issuer and
     * subject, matched against the JWT's {@code iss} and {@code sub} separately: {@code *} needs both present;
     * {@code *x/sub} is an issuer suffix and an exact subject; {@code iss/x*} an exact issuer and a subject prefix
     * ({@code iss/*}: any subject); without a {@code /}, {@code *x} is a subject suffix and {@code x*} an issuer
     * prefix; otherwise both exact.
     */
    static Cond requestPrincipal(String v) {
        int idx = v.lastIndexOf('/');
        boolean found = idx >= 0;
        String iss = found ? v.substring(0, idx) : v;
        String sub = found ? v.substring(idx + 1) : "";
        ValueMatcher any = ValueMatcher.nonEmpty();
        ValueMatcher mIss;
        ValueMatcher mSub;
        if (v.equals("*")) {
            mIss = any;
            mSub = any;
        } else if (v.startsWith("*")) {
            if (found) {
                mIss = iss.equals("*") ? any : ValueMatcher.suffix(iss.substring(1));
                mSub = ValueMatcher.exact(sub);
            } else {
                mIss = any;
                mSub = ValueMatcher.suffix(v.substring(1));
            }
        } else if (v.endsWith("*")) {
            if (found) {
                mIss = ValueMatcher.exact(iss);
                mSub = sub.equals("*") ? any : ValueMatcher.prefix(sub.substring(0, sub.length() - 1));
            } else {
                mIss = ValueMatcher.prefix(v.substring(0, v.length() - 1));
                mSub = any;
            }
        } else {
            mIss = ValueMatcher.exact(iss);
            mSub = ValueMatcher.exact(sub);
        }
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return id != null && mIss.matches(id.issuer()) && mSub.matches(id.subject());
            }

            @Override
            public String toString() {
                return "requestPrincipal " + v;
            }
        };
    }

    /** {@code request.auth.audiences}: any audience of the JWT matches. */
    static Cond audience(String v) {
        ValueMatcher m = ValueMatcher.of(v, false, false);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                if (id == null) {
                    return false;
                }
                List<String> audiences = id.audiences();
                for (int i = 0; i < audiences.size(); i++) {
                    if (m.matches(audiences.get(i))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public String toString() {
                return "audience " + v;
            }
        };
    }

    /** {@code request.auth.presenter}: the {@code azp} claim. */
    static Cond presenter(String v) {
        ValueMatcher m = ValueMatcher.of(v, false, false);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return id != null && m.matches(id.presenter());
            }

            @Override
            public String toString() {
                return "presenter " + v;
            }
        };
    }

    /**
     * {@code request.auth.claims[a][b]}: the claim at that path (nested through JSON objects) matches when it is a
     * string that matches, or a list with a string element that matches. Istio documents claims of type string and
     * list of strings; a number or boolean claim never matches (Envoy's string matcher on a non-string value).
     */
    static Cond claim(List<String> claimPath, String v) {
        ValueMatcher m = ValueMatcher.of(v, false, false);
        String[] keys = claimPath.toArray(new String[0]);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                if (id == null) {
                    return false;
                }
                Object value = id.claims();
                for (String k : keys) {
                    if (!(value instanceof Map<?, ?> map)) {
                        return false;
                    }
                    value = map.get(k);
                }
                if (value instanceof String s) {
                    return m.matches(s);
                }
                if (value instanceof List<?> list) {
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) instanceof String s && m.matches(s)) {
                            return true;
                        }
                    }
                }
                return false;
            }

            @Override
            public String toString() {
                return "claim " + String.join("][", keys) + " " + v;
            }
        };
    }

    /** The address a CIDR condition reads. */
    enum Address { SOURCE, REMOTE, DESTINATION }

    /**
     * {@code ipBlocks}/{@code source.ip} (the peer's address), {@code remoteIpBlocks}/{@code remote.ip} (the
     * original client: Envoy derives it from X-Forwarded-For only with trusted hops configured, which InMesh never
     * configures, so it is the peer's address too, as in a sidecar with Istio's default {@code numTrustedProxies: 0}),
     * {@code destination.ip}.
     */
    static Cond ip(Address which, String block) {
        Cidr cidr = Cidr.parse(block);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return cidr.contains(which == Address.DESTINATION ? r.destinationIp() : r.sourceIp());
            }

            @Override
            int cost() {
                return 2;
            }

            @Override
            public String toString() {
                return which.name().toLowerCase(Locale.ROOT) + ".ip " + cidr;
            }
        };
    }

    // ---- operation ----------------------------------------------------------------------------------------

    /**
     * {@code hosts}: case-insensitive (Istio's {@code HostMatcher}) on the Host header. Istio matches the header as
     * sent, so {@code hosts: [example.com]} misses {@code Host: example.com:8080} and its docs advise listing
     * {@code example.com:*} as well; InMesh also matches the host without its port, so a DENY on a host cannot be
     * stepped around by adding a port, and an ALLOW names the host whatever port the client wrote.
     */
    static Cond host(String v) {
        ValueMatcher m = ValueMatcher.of(v, true, true);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                String h = r.host();
                if (h == null) {
                    return false;
                }
                if (m.matches(h, 0, h.length())) {
                    return true;
                }
                int end = portStart(h);
                if (end < h.length() && m.matches(h, 0, end)) {
                    return true;
                }
                // a fully qualified name's trailing dot names the same host: a DENY must not be stepped around
                return end > 1 && h.charAt(end - 1) == '.' && m.matches(h, 0, end - 1);
            }

            @Override
            int cost() {
                return 4;
            }

            @Override
            public String toString() {
                return "host " + v;
            }
        };
    }

    /** Where {@code :port} starts in a Host value ({@code host:80}, {@code [::1]:80}), or its length without one. */
    static int portStart(String h) {
        int colon = h.lastIndexOf(':');
        if (colon < 0 || h.indexOf(']', colon) >= 0) {
            return h.length();
        }
        if (h.indexOf(':') != colon && !h.startsWith("[")) {
            return h.length(); // a bare IPv6 literal has no port
        }
        for (int i = colon + 1; i < h.length(); i++) {
            if (h.charAt(i) < '0' || h.charAt(i) > '9') {
                return h.length();
            }
        }
        return colon;
    }

    /** {@code ports}, {@code destination.port}: the port the request arrived at. */
    static Cond port(int port) {
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return r.destinationPort() == port;
            }

            @Override
            int cost() {
                return 1;
            }

            @Override
            public String toString() {
                return "port " + port;
            }
        };
    }

    /** {@code methods}: case-sensitive (Istio rejects a method that is not upper case with 400 before this). */
    static Cond method(String v) {
        ValueMatcher m = ValueMatcher.of(v, false, true);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return m.matches(r.method());
            }

            @Override
            int cost() {
                return 1;
            }

            @Override
            public String toString() {
                return "method " + v;
            }
        };
    }

    /** {@code paths}: on the normalised path; exact, prefix, suffix, {@code *}, or a template. */
    static Cond path(String v) {
        if (PathTemplate.isTemplate(v)) {
            PathTemplate t = PathTemplate.parse(v);
            return new Cond() {
                @Override
                boolean test(InboundRequest r, RequestIdentity id, String path) {
                    return path != null && t.matches(path);
                }

                @Override
                int cost() {
                    return 4;
                }

                @Override
                public String toString() {
                    return "path " + v;
                }
            };
        }
        ValueMatcher m = ValueMatcher.of(v, false, false);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return m.matches(path);
            }

            @Override
            int cost() {
                return 2;
            }

            @Override
            public String toString() {
                return "path " + v;
            }
        };
    }

    // ---- conditions only ----------------------------------------------------------------------------------

    /**
     * {@code request.headers[name]}: Istio's {@code HeaderMatcher} on the header, whose repeated values Envoy joins
     * with {@code ,} before matching (Istio, "Authorization Policy Normalization": duplicate headers). With
     * {@code inline}, {@code request.experimental.inline.headers[name]}: the value matches any comma-separated
     * element ({@code HeaderMatcherWithRegex}). With {@code anyRepeatedValue} (DENY and AUDIT policies), a repeated
     * header also matches when one of its values alone does: sending the header twice must not step around a DENY
     * while the application reads the first value.
     */
    static Cond header(String lowerCaseName, String v, boolean inline, boolean anyRepeatedValue) {
        ValueMatcher m = ValueMatcher.of(v, false, true);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                List<String> values = r.headers(lowerCaseName);
                if (values == null || values.isEmpty()) {
                    return false;
                }
                if (anyRepeatedValue && values.size() > 1) {
                    for (String one : values) {
                        if (one != null && m.matches(one.strip())) {
                            return true;
                        }
                    }
                }
                String joined = values.size() == 1 ? values.get(0).strip() : joinStripped(values);
                if (!inline || m.kind() == ValueMatcher.Kind.PRESENT) {
                    return m.matches(joined);
                }
                int from = 0;
                while (true) {
                    int comma = joined.indexOf(',', from);
                    int to = comma < 0 ? joined.length() : comma;
                    if (m.matches(joined, from, to)) {
                        return true;
                    }
                    if (comma < 0) {
                        return false;
                    }
                    from = comma + 1;
                }
            }

            @Override
            int cost() {
                return 5;
            }

            @Override
            public String toString() {
                return "header " + lowerCaseName + " " + v;
            }
        };
    }

    /**
     * The values of a repeated header joined with {@code ,}, each without surrounding whitespace: header values are
     * matched as Envoy's codec hands them to its filters (a server may leave some in: Tomcat unfolds an obs-fold line
     * after an empty value into a value starting with a space, which the application's framework trims, so matching
     * the untrimmed value would let {@code "x: \r\n yes"} step around a DENY on {@code yes}).
     */
    private static String joinStripped(List<String> values) {
        StringBuilder b = new StringBuilder();
        for (String one : values) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(one == null ? "" : one.strip());
        }
        return b.toString();
    }

    /** {@code connection.sni}. */
    static Cond sni(String v) {
        ValueMatcher m = ValueMatcher.of(v, false, false);
        return new Cond() {
            @Override
            boolean test(InboundRequest r, RequestIdentity id, String path) {
                return m.matches(r.sni());
            }

            @Override
            int cost() {
                return 2;
            }

            @Override
            public String toString() {
                return "sni " + v;
            }
        };
    }
}

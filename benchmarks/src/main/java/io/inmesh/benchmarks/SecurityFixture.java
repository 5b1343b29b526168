package io.inmesh.benchmarks;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.InboundDecision;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.authz.AuthorizationEngine;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The inbound setup shared by {@link AuthorizationBenchmark}: the workload {@code reviews} in namespace
 * {@code default} and {@code n} AuthorizationPolicies selecting it, named {@code authz-000} ... so that their order
 * is the same by name and by file.
 *
 * <p>Every policy has one rule: {@code from} principals (an exact one the request's peer has, and a suffix),
 * {@code to} hosts (exact and suffix; the request's Host carries a port, so the exact value misses and the host is
 * tried again without it), methods {@code GET, POST} and paths, and {@code when} on the header {@code x-tenant} and on
 * the group (the JWT claim {@code request.auth.claims[groups]}, or the header {@code x-group} when there is no JWT).
 * Policy {@code i} other than the target fails late, at one of three places, {@code i % 3}: (0) its paths
 * {@code /api/v<i>/*} and {@code *}{@code /v<i>.json}; (1) its tenant {@code t<i>}; (2) its group {@code g<i>}, the
 * tenant being {@code t*}. Odd {@code i} are DENY, even {@code i} ALLOW, and the last policy, {@code n - 1}, is the
 * ALLOW that {@link #requestFor}{@code (n - 1)} matches: every DENY and every ALLOW is evaluated before it. The
 * request for the last DENY ({@link #lastDeny}) matches that DENY and no DENY before it.
 */
final class SecurityFixture {
    static final String NAMESPACE = "default";
    static final Map<String, String> LABELS = Map.of("app", "reviews");
    static final String HOST = "reviews." + NAMESPACE + ".svc.cluster.local";
    static final int PORT = 9080;
    static final SpiffeId PEER = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");
    static final String ISSUER = "https://issuer.bench.example";
    static final String SUBJECT = "alice";
    static final String AUDIENCE = "reviews";

    private SecurityFixture() {
    }

    /** The name of policy {@code i}. */
    static String name(int i) {
        return String.format("authz-%03d", i);
    }

    /** The index of the last DENY policy among {@code n}, or -1 when there is none. */
    static int lastDeny(int n) {
        for (int i = n - 2; i >= 0; i--) {
            if (i % 2 == 1) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The YAML of {@code n} policies.
     *
     * @param claims match the group on the JWT claim {@code groups} (true) or on the header {@code x-group}
     */
    static String policies(int n, boolean claims) {
        String groupKey = claims ? "request.auth.claims[groups]" : "request.headers[x-group]";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean target = i == n - 1;
            int kind = target ? 0 : i % 3;
            String paths = kind == 0 ? "[\"/api/v" + i + "/*\", \"*/v" + i + ".json\"]" : "[\"/api/*\"]";
            String tenants = kind == 1 ? "[t" + i + ", tenant-" + i + "]" : kind == 2 ? "[\"t*\"]" : "[t" + i + "]";
            b.append("---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ")
                    .append(name(i)).append("\n  namespace: ").append(NAMESPACE)
                    .append("\nspec:\n  selector:\n    matchLabels:\n      app: reviews\n  action: ")
                    .append(target || i % 2 == 0 ? "ALLOW" : "DENY")
                    .append("\n  rules:\n  - from:\n    - source:\n")
                    .append("        principals: [cluster.local/ns/default/sa/productpage, \"*/sa/ratings\"]\n")
                    .append("    to:\n    - operation:\n        hosts: [").append(HOST)
                    .append(", \"*.svc.cluster.local\"]\n        methods: [GET, POST]\n        paths: ").append(paths)
                    .append("\n    when:\n    - key: request.headers[x-tenant]\n      values: ").append(tenants)
                    .append("\n    - key: ").append(groupKey).append("\n      values: [g").append(i).append("]\n");
        }
        return b.toString();
    }

    /** A snapshot holding {@code yaml}; fails unless it is applied. */
    static MeshSnapshot snapshot(String yaml) {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = holder.update(List.of(new ConfigFile("security.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        if (!(u instanceof ConfigUpdate.Applied)) {
            throw new IllegalStateException("generated config is not applied: " + u);
        }
        return holder.current();
    }

    /** The engine of workload {@code reviews} over {@code n} policies with claim conditions. */
    static AuthorizationEngine engine(int n) {
        AuthorizationEngine engine = AuthorizationEngine.forWorkload(snapshot(policies(n, true)), NAMESPACE, LABELS);
        if (engine.policies().size() != n || !engine.policies().get(n - 1).startsWith(NAMESPACE + "/" + name(n - 1))) {
            throw new IllegalStateException("expected " + n + " policies ending with " + name(n - 1) + ", got "
                    + engine.policies());
        }
        return engine;
    }

    /**
     * The identity a verified JWT for policy {@code i}'s group gives: principal {@code <iss>/alice}, audience
     * {@code reviews}, claim {@code groups: [g<i>, users]}.
     */
    static RequestIdentity identityFor(int i) {
        return new RequestIdentity(ISSUER + "/" + SUBJECT, ISSUER, SUBJECT, List.of(AUDIENCE), null,
                Map.of("iss", ISSUER, "sub", SUBJECT, "aud", AUDIENCE, "groups", List.of("g" + i, "users")));
    }

    /**
     * A GET from {@link #PEER} that matches policy {@code i} ({@code /api/v<i>/items/42}, {@code x-tenant: t<i>},
     * {@code x-group: g<i>}), with {@code extraHeaders} (name, value, ...) added.
     */
    static BenchRequest requestFor(int i, String... extraHeaders) {
        List<String> headers = new ArrayList<>(List.of("host", HOST + ":" + PORT, "user-agent", "bench/1.0",
                "x-tenant", "t" + i, "x-group", "g" + i));
        headers.addAll(Arrays.asList(extraHeaders));
        return new BenchRequest("GET", HOST + ":" + PORT, "/api/v" + i + "/items/42", PEER, "10.0.0.7", "10.0.0.9",
                PORT, headers.toArray(new String[0]));
    }

    /** Fails unless {@code d} is the decision of policy {@code i} with the given outcome. */
    static void expect(AuthzDecision d, int i, boolean allowed) {
        if (d == null || d.allowed() != allowed || !(NAMESPACE + "/" + name(i)).equals(d.policy())) {
            throw new IllegalStateException("expected " + (allowed ? "ALLOW" : "DENY") + " by " + name(i) + ", got "
                    + d);
        }
    }

    // ---- the whole inbound chain -----------------------------------------------------------------------------

    /** An RSA key pair for RS256 tokens and its JWKS. */
    static final class JwtKey {
        final KeyPair pair;
        final String kid = "bench-1";

        JwtKey() {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                pair = g.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The public key as a JSON Web Key Set (RFC 7517): {@code n} and {@code e} unsigned, base64url. */
        String jwks() {
            RSAPublicKey k = (RSAPublicKey) pair.getPublic();
            return "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
                    + b64(unsigned(k.getModulus())) + "\",\"e\":\"" + b64(unsigned(k.getPublicExponent())) + "\"}]}";
        }

        /** A compact RS256 JWS with {@code groups: [g<i>, users]}, valid for a day. */
        String token(int i) {
            long now = System.currentTimeMillis() / 1000;
            String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
            String payload = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + SUBJECT + "\",\"aud\":\"" + AUDIENCE
                    + "\",\"iat\":" + now + ",\"exp\":" + (now + 86_400) + ",\"groups\":[\"g" + i + "\",\"users\"]}";
            String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + b64(payload.getBytes(StandardCharsets.UTF_8));
            try {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initSign(pair.getPrivate());
                s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                return signingInput + "." + b64(s.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static byte[] unsigned(BigInteger v) {
            byte[] b = v.toByteArray();
            return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
        }

        private static String b64(byte[] b) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        }
    }

    /**
     * The YAML of the inbound chain for workload {@code reviews}: PeerAuthentication STRICT for the namespace,
     * {@code n} policies, a LocalRateLimit whose bucket never runs dry during a run (a billion tokens a second), and,
     * with {@code key}, a RequestAuthentication for {@link #ISSUER} with that key inline (the policies then match
     * the group on the JWT claim; without, on the header).
     */
    static String inboundYaml(int n, JwtKey key) {
        StringBuilder b = new StringBuilder();
        b.append("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n")
                .append("  namespace: ").append(NAMESPACE).append("\nspec:\n  mtls:\n    mode: STRICT\n");
        b.append("---\napiVersion: inmesh.io/v1alpha1\nkind: LocalRateLimit\nmetadata:\n  name: reviews\n")
                .append("  namespace: ").append(NAMESPACE).append("\nspec:\n  selector:\n    matchLabels:\n")
                .append("      app: reviews\n  tokenBucket:\n    maxTokens: 1000000000\n")
                .append("    tokensPerFill: 1000000000\n    fillInterval: 1s\n");
        if (key != null) {
            b.append("---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata:\n")
                    .append("  name: reviews-jwt\n  namespace: ").append(NAMESPACE)
                    .append("\nspec:\n  selector:\n    matchLabels:\n      app: reviews\n  jwtRules:\n")
                    .append("  - issuer: ").append(ISSUER).append("\n    audiences: [").append(AUDIENCE)
                    .append("]\n    jwks: '").append(key.jwks()).append("'\n");
        }
        b.append(policies(n, key != null));
        return b.toString();
    }

    /** The mesh of workload {@code reviews} on {@link #inboundYaml}. */
    static Mesh mesh(int n, JwtKey key) {
        try {
            return Mesh.builder().workload(Workload.of(NAMESPACE, LABELS))
                    .configFiles(List.of(new ConfigFile("inbound.yaml",
                            inboundYaml(n, key).getBytes(StandardCharsets.UTF_8))))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException("the inbound mesh does not build", e);
        }
    }

    /** Fails unless {@code d} allows the request by policy {@code i} on a STRICT port, with a JWT identity or not. */
    static void expectInbound(InboundDecision d, int i, boolean jwt) {
        if (!d.allowed() || d.mtlsMode() != PeerAuthentication.Mode.STRICT || !PEER.equals(d.peer())
                || (d.identity() != null) != jwt || d.responseHeaders().get("x-ratelimit-limit") == null) {
            throw new IllegalStateException("unexpected inbound decision " + d);
        }
        expect(d.authorization(), i, true);
    }

    /**
     * A request as a server adapter's view would be: fixed fields, header lookup over a small array of lower-case
     * names, every value list built once, so that no method allocates.
     */
    static final class BenchRequest implements InboundRequest {
        private final String method;
        private final String host;
        private final String path;
        private final SpiffeId peer;
        private final String sourceIp;
        private final String destinationIp;
        private final int destinationPort;
        private final String[] names;
        private final List<String>[] values;

        /** {@code headers}: name (lower case), value, name, value, ... */
        @SuppressWarnings("unchecked")
        BenchRequest(String method, String host, String path, SpiffeId peer, String sourceIp, String destinationIp,
                     int destinationPort, String... headers) {
            this.method = method;
            this.host = host;
            this.path = path;
            this.peer = peer;
            this.sourceIp = sourceIp;
            this.destinationIp = destinationIp;
            this.destinationPort = destinationPort;
            this.names = new String[headers.length / 2];
            this.values = new List[headers.length / 2];
            for (int i = 0; i < names.length; i++) {
                names[i] = headers[2 * i];
                values[i] = List.of(headers[2 * i + 1]);
            }
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            List<String> v = headers(lowerCaseName);
            return v.isEmpty() ? null : v.get(0);
        }

        @Override
        public List<String> headers(String lowerCaseName) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(lowerCaseName)) {
                    return values[i];
                }
            }
            return List.of();
        }

        @Override
        public String queryParameter(String name) {
            return null;
        }

        @Override
        public SpiffeId peer() {
            return peer;
        }

        @Override
        public String sourceIp() {
            return sourceIp;
        }

        @Override
        public String destinationIp() {
            return destinationIp;
        }

        @Override
        public int destinationPort() {
            return destinationPort;
        }

        @Override
        public String sni() {
            return null;
        }

        @Override
        public String toString() {
            return method + " " + path + " (host " + host + ")";
        }
    }
}

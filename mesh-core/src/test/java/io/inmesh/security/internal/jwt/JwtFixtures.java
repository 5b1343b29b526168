package io.inmesh.security.internal.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keys, tokens, snapshots and requests for the JWT tests. Keys are generated once per run. */
final class JwtFixtures {
    static final RSAKey RSA = generateRsa("rsa-1");
    static final RSAKey RSA_2 = generateRsa("rsa-2");
    static final ECKey EC = generateEc("ec-1");

    private JwtFixtures() {
    }

    static RSAKey generateRsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey generateEc(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key set of {@code keys}, as JSON. */
    static String jwks(JWK... keys) {
        List<JWK> pub = new ArrayList<>();
        for (JWK k : keys) {
            pub.add(k.toPublicJWK());
        }
        return new JWKSet(pub).toString();
    }

    /** A token signed with {@code key} (RS256 for RSA, ES256 for EC), its kid in the header. */
    static String token(JWK key, JWTClaimsSet claims) {
        return token(key, key.getKeyID(), claims);
    }

    static String token(JWK key, String kid, JWTClaimsSet claims) {
        return token(key, key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256, kid, claims);
    }

    /** A token signed with {@code key} under {@code alg} (an RSA algorithm for RSA keys, ES256 for EC). */
    static String token(JWK key, JWSAlgorithm alg, String kid, JWTClaimsSet claims) {
        try {
            JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A RequestAuthentication in namespace shop for app=api with the given jwtRules YAML (indented 2). */
    static String ra(String name, String rules) {
        return """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: %s
                  namespace: shop
                spec:
                  selector:
                    matchLabels:
                      app: api
                  jwtRules:
                %s
                ---
                """.formatted(name, rules.indent(2).stripTrailing());
    }

    /** Claims with {@code iss}, {@code sub}, and an {@code exp} one hour after {@code now}. */
    static JWTClaimsSet.Builder claims(String issuer, String subject, Instant now) {
        return new JWTClaimsSet.Builder().issuer(issuer).subject(subject).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    }

    static MeshSnapshot snapshot(String yaml) {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = holder.update(List.of(new ConfigFile("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected r ? r.rejection().diagnostics() : "")
                .isInstanceOf(ConfigUpdate.Applied.class);
        return holder.current();
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static Request request() {
        return new Request();
    }

    /** An inbound request built by hand; header names lower case, query parameters decoded. */
    static final class Request implements InboundRequest {
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final Map<String, List<String>> params = new LinkedHashMap<>();
        private String path = "/";

        Request header(String name, String value) {
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            return this;
        }

        Request bearer(String token) {
            return header("authorization", "Bearer " + token);
        }

        Request param(String name, String value) {
            params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            return this;
        }

        Request path(String p) {
            this.path = p;
            return this;
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String host() {
            return "svc.default.svc.cluster.local";
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
            List<String> v = headers.get(lowerCaseName);
            return v == null ? null : v.get(0);
        }

        @Override
        public List<String> headers(String lowerCaseName) {
            return headers.getOrDefault(lowerCaseName, List.of());
        }

        @Override
        public String queryParameter(String name) {
            List<String> v = params.get(name);
            return v == null ? null : v.get(0);
        }

        @Override
        public SpiffeId peer() {
            return null;
        }

        @Override
        public String sourceIp() {
            return "10.0.0.1";
        }

        @Override
        public String destinationIp() {
            return "10.0.0.2";
        }

        @Override
        public int destinationPort() {
            return 8080;
        }

        @Override
        public String sni() {
            return null;
        }
    }
}

package io.inmesh.security.internal.jwt;

import static io.inmesh.security.internal.jwt.JwtFixtures.EC;
import static io.inmesh.security.internal.jwt.JwtFixtures.RSA;
import static io.inmesh.security.internal.jwt.JwtFixtures.RSA_2;
import static io.inmesh.security.internal.jwt.JwtFixtures.claims;
import static io.inmesh.security.internal.jwt.JwtFixtures.jwks;
import static io.inmesh.security.internal.jwt.JwtFixtures.ra;
import static io.inmesh.security.internal.jwt.JwtFixtures.request;
import static io.inmesh.security.internal.jwt.JwtFixtures.snapshot;
import static io.inmesh.security.internal.jwt.JwtFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.inmesh.security.RequestIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final String ISSUER = "https://issuer.example.com";

    final JwtFixtures.MutableClock clock = new JwtFixtures.MutableClock(NOW);
    final JwksCache cache = JwksCache.builder().clock(clock).noScheduler().build();

    @AfterEach
    void close() {
        cache.close();
    }

    JwtAuthenticator authenticator(String yaml) {
        return JwtAuthenticator.forWorkload(snapshot(yaml), "shop", Map.of("app", "api"), cache);
    }

    JwtAuthenticator rsaRule(String extra) {
        return authenticator(ra("api", """
                - issuer: %s
                  jwks: '%s'
                %s""".formatted(ISSUER, jwks(RSA, EC), extra.indent(2).stripTrailing())));
    }

    static String rs256(JWTClaimsSet.Builder c) {
        return token(RSA, c.build());
    }

    static RequestIdentity authenticated(JwtResult r) {
        assertThat(r).isInstanceOf(JwtResult.Authenticated.class);
        return ((JwtResult.Authenticated) r).identity();
    }

    static String rejected(JwtResult r, String token) {
        assertThat(r).isInstanceOf(JwtResult.Rejected.class);
        String reason = ((JwtResult.Rejected) r).reason();
        for (String part : token.split("\\.")) {
            if (part.length() > 4) {
                assertThat(reason).doesNotContain(part);
            }
        }
        return reason;
    }

    // RFC 7515 appendix A.2 (RS256) and A.3 (ES256): the published JWS verify against the published public keys.
    static final String A2_N = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL"
            + "-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS"
            + "-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethF"
            + "kMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    static final String A_PAYLOAD = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    static final String A2_JWS = "eyJhbGciOiJSUzI1NiJ9." + A_PAYLOAD + ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2Vt"
            + "Qgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyT"
            + "yWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ"
            + "1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    static final String A3_JWS = "eyJhbGciOiJFUzI1NiJ9." + A_PAYLOAD + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCg"
            + "fTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    /** 2011-03-22T18:43:00Z, the examples' exp. */
    static final Instant A_EXP = Instant.ofEpochSecond(1300819380);

    @Test
    void rfc7515ExamplesVerifyAgainstTheirPublishedKeys() {
        JwtAuthenticator a = authenticator(ra("rfc", """
                - issuer: joe
                  jwks: '{"keys":[{"kty":"RSA","n":"%s","e":"AQAB"},{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}'
                """.formatted(A2_N)));
        clock.set(A_EXP.minus(Duration.ofHours(1)));
        for (String jws : List.of(A2_JWS, A3_JWS)) {
            RequestIdentity id = authenticated(a.authenticate(request().bearer(jws)));
            assertThat(id.issuer()).isEqualTo("joe");
            assertThat(id.subject()).isNull();
            assertThat(id.principal()).as("no sub, no principal").isNull();
            assertThat(id.claims()).containsEntry("http://example.com/is_root", true)
                    .containsEntry("exp", 1300819380L);
        }
        // One bit off in the signature, or the payload of one with the signature of the other: refused.
        int sig = A2_JWS.lastIndexOf('.') + 1;
        String flipped = A2_JWS.substring(0, sig) + "d" + A2_JWS.substring(sig + 1);
        assertThat(rejected(a.authenticate(request().bearer(flipped)), flipped)).isEqualTo(Reasons.VERIFICATION_FAILS);
        String swapped = "eyJhbGciOiJFUzI1NiJ9." + A_PAYLOAD + "." + A2_JWS.substring(A2_JWS.lastIndexOf('.') + 1);
        assertThat(rejected(a.authenticate(request().bearer(swapped)), swapped))
                .isEqualTo(Reasons.VERIFICATION_FAILS);
        // Past exp plus the 60 s skew, the same tokens are expired.
        clock.set(A_EXP.plusSeconds(61));
        assertThat(rejected(a.authenticate(request().bearer(A2_JWS)), A2_JWS)).isEqualTo(Reasons.EXPIRED);
        clock.set(A_EXP.plusSeconds(59));
        authenticated(a.authenticate(request().bearer(A3_JWS)));
    }

    @Test
    void mintedRs256AndEs256TokensGiveTheRequestIdentity() {
        JwtAuthenticator a = rsaRule("audiences: [orders]");
        String rs = rs256(claims(ISSUER, "alice", NOW).audience(List.of("orders", "billing")).claim("azp", "web"));
        RequestIdentity id = authenticated(a.authenticate(request().bearer(rs)));
        assertThat(id.principal()).isEqualTo(ISSUER + "/alice");
        assertThat(id.issuer()).isEqualTo(ISSUER);
        assertThat(id.subject()).isEqualTo("alice");
        assertThat(id.audiences()).containsExactly("orders", "billing");
        assertThat(id.presenter()).isEqualTo("web");
        assertThat(id.claims()).containsEntry("sub", "alice").containsEntry("azp", "web");

        String es = token(EC, claims(ISSUER, "bob", NOW).audience("orders").build());
        assertThat(authenticated(a.authenticate(request().bearer(es))).principal()).isEqualTo(ISSUER + "/bob");
    }

    @Test
    void aBadSignatureIsRejected() {
        JwtAuthenticator a = rsaRule("");
        // Signed by a key the rule does not have, under the kid of one it has.
        String forged = token(RSA_2, RSA.getKeyID(), claims(ISSUER, "mallory", NOW).build());
        assertThat(rejected(a.authenticate(request().bearer(forged)), forged)).isEqualTo(Reasons.VERIFICATION_FAILS);
        // A genuine token with its payload changed.
        String good = rs256(claims(ISSUER, "alice", NOW));
        String[] p = good.split("\\.");
        String changed = p[0] + "." + Base64URL.encode(claims(ISSUER, "admin", NOW).build().toString()) + "." + p[2];
        assertThat(rejected(a.authenticate(request().bearer(changed)), changed))
                .isEqualTo(Reasons.VERIFICATION_FAILS);
        // A kid that no key has.
        String unknownKid = token(RSA, "rsa-unknown", claims(ISSUER, "alice", NOW).build());
        assertThat(rejected(a.authenticate(request().bearer(unknownKid)), unknownKid))
                .isEqualTo(Reasons.KID_MISMATCH);
    }

    @Test
    void unsignedTokensAreRefused() {
        JwtAuthenticator a = rsaRule("");
        String none = new PlainJWT(claims(ISSUER, "alice", NOW).build()).serialize();
        assertThat(none).startsWith("eyJhbGciOiJub25lIn0.").endsWith(".");
        assertThat(rejected(a.authenticate(request().bearer(none)), none)).isEqualTo(Reasons.UNSUPPORTED_ALG);
        // alg none with a signature part attached, and "None" spelled otherwise: refused all the same.
        String withSig = none + "c2lnbmF0dXJl";
        assertThat(rejected(a.authenticate(request().bearer(withSig)), withSig)).isEqualTo(Reasons.UNSUPPORTED_ALG);
        String capital = Base64URL.encode("{\"alg\":\"None\"}") + "." + none.split("\\.")[1] + ".";
        assertThat(rejected(a.authenticate(request().bearer(capital)), capital)).isEqualTo(Reasons.UNSUPPORTED_ALG);
    }

    @Test
    void hs256SignedWithTheRsaPublicKeyIsRefused() throws JOSEException {
        JwtAuthenticator a = rsaRule("");
        JWTClaimsSet c = claims(ISSUER, "mallory", NOW).build();
        // The classic confusion: the verifier's RSA public key used as an HMAC secret, in DER and in JWK JSON form.
        for (byte[] secret : List.of(RSA.toRSAPublicKey().getEncoded(),
                RSA.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8))) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(RSA.getKeyID()).build(), c);
            jwt.sign(new MACSigner(secret));
            String t = jwt.serialize();
            assertThat(rejected(a.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.UNSUPPORTED_ALG);
        }
        // An RSA key reused for PS256 is fine (same key type); RS256 header over an EC signature is not.
        SignedJWT ps = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID(RSA.getKeyID()).build(), c);
        ps.sign(new RSASSASigner(RSA));
        authenticated(a.authenticate(request().bearer(ps.serialize())));
    }

    @Test
    void symmetricKeysInAJwksAreIgnored() throws JOSEException {
        OctetSequenceKey oct = new OctetSequenceKeyGenerator(256).keyID("hmac").generate();
        JwtAuthenticator a = authenticator(ra("hmac", """
                - issuer: %s
                  jwks: '{"keys":[%s,%s]}'
                """.formatted(ISSUER, oct.toJSONString(), RSA.toPublicJWK().toJSONString())));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hmac").build(),
                claims(ISSUER, "alice", NOW).build());
        jwt.sign(new MACSigner(oct));
        String t = jwt.serialize();
        assertThat(rejected(a.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.UNSUPPORTED_ALG);
        // With only the oct key, the rule has no usable key at all.
        JwtAuthenticator octOnly = authenticator(ra("hmac", """
                - issuer: %s
                  jwks: '{"keys":[%s]}'
                """.formatted(ISSUER, oct.toJSONString())));
        String rs = rs256(claims(ISSUER, "alice", NOW));
        assertThat(rejected(octOnly.authenticate(request().bearer(rs)), rs)).isEqualTo(Reasons.NO_VALID_KEYS);
    }

    @Test
    void expAndNbfAllowSixtySecondsOfSkew() {
        JwtAuthenticator a = rsaRule("");
        String expired = rs256(claims(ISSUER, "a", NOW).expirationTime(Date.from(NOW.minusSeconds(61))));
        assertThat(rejected(a.authenticate(request().bearer(expired)), expired)).isEqualTo(Reasons.EXPIRED);
        authenticated(a.authenticate(request().bearer(
                rs256(claims(ISSUER, "a", NOW).expirationTime(Date.from(NOW.minusSeconds(30)))))));
        String early = rs256(claims(ISSUER, "a", NOW).notBeforeTime(Date.from(NOW.plusSeconds(61))));
        assertThat(rejected(a.authenticate(request().bearer(early)), early)).isEqualTo(Reasons.NOT_YET_VALID);
        authenticated(a.authenticate(request().bearer(
                rs256(claims(ISSUER, "a", NOW).notBeforeTime(Date.from(NOW.plusSeconds(30)))))));
        // No exp at all: accepted, as Envoy without require_expiration.
        authenticated(a.authenticate(request().bearer(rs256(claims(ISSUER, "a", NOW).expirationTime(null)))));
        // Time moves on: the hour-long token expires.
        String t = rs256(claims(ISSUER, "a", NOW));
        clock.advance(Duration.ofHours(1).plusSeconds(61));
        assertThat(rejected(a.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.EXPIRED);
    }

    @Test
    void theIssuerMustMatchExactly() {
        JwtAuthenticator a = rsaRule("");
        for (String iss : List.of("https://issuer.example.com/", "https://other.example.com", "HTTPS://issuer.example.com")) {
            String t = rs256(claims(iss, "a", NOW));
            assertThat(rejected(a.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.UNKNOWN_ISSUER);
        }
        String noIss = rs256(claims(null, "a", NOW));
        assertThat(rejected(a.authenticate(request().bearer(noIss)), noIss)).isEqualTo(Reasons.UNKNOWN_ISSUER);
    }

    @Test
    void audiencesAnyConfiguredMatchesAnyInTheTokenIgnoringSchemeAndTrailingSlash() {
        JwtAuthenticator a = rsaRule("audiences: [orders, 'https://api.example.com/']");
        String wrong = rs256(claims(ISSUER, "a", NOW).audience("billing"));
        assertThat(rejected(a.authenticate(request().bearer(wrong)), wrong)).isEqualTo(Reasons.AUDIENCE);
        String none = rs256(claims(ISSUER, "a", NOW));
        assertThat(rejected(a.authenticate(request().bearer(none)), none)).isEqualTo(Reasons.AUDIENCE);
        authenticated(a.authenticate(request().bearer(rs256(claims(ISSUER, "a", NOW).audience(List.of("x", "orders"))))));
        authenticated(a.authenticate(request().bearer(rs256(claims(ISSUER, "a", NOW).audience("http://api.example.com")))));
        authenticated(a.authenticate(request().bearer(rs256(claims(ISSUER, "a", NOW).audience("api.example.com/")))));
        // No audiences configured: any token audience, or none.
        JwtAuthenticator any = rsaRule("");
        authenticated(any.authenticate(request().bearer(wrong)));
        authenticated(any.authenticate(request().bearer(none)));
    }

    @Test
    void defaultLocationsAreTheBearerHeaderThenAccessTokenParameter() {
        JwtAuthenticator a = rsaRule("");
        String t = rs256(claims(ISSUER, "a", NOW));
        authenticated(a.authenticate(request().bearer(t)));
        authenticated(a.authenticate(request().header("authorization", "bearer " + t)));
        authenticated(a.authenticate(request().param("access_token", t)));
        assertThat(a.authenticate(request())).isInstanceOf(JwtResult.NoToken.class);
        assertThat(a.authenticate(request().header("authorization", "Basic dXNlcjpwYXNz")))
                .isInstanceOf(JwtResult.NoToken.class);
        assertThat(a.authenticate(request().header("x-jwt", t))).as("not a configured location")
                .isInstanceOf(JwtResult.NoToken.class);
        assertThat(rejected(a.authenticate(request().header("authorization", "Bearer")), ""))
                .isEqualTo(Reasons.BAD_FORMAT);
        String garbage = "not-a-jwt";
        assertThat(rejected(a.authenticate(request().bearer(garbage)), garbage)).isEqualTo(Reasons.BAD_FORMAT);
        String badHeader = "e30x.e30.c2ln";
        assertThat(rejected(a.authenticate(request().bearer(badHeader)), badHeader)).isEqualTo(Reasons.BAD_HEADER);
    }

    @Test
    void customLocationsReplaceTheDefaults() {
        JwtAuthenticator a = rsaRule("""
                fromHeaders:
                - name: X-Jwt-Assertion
                - name: x-auth
                  prefix: "Token "
                fromParams: [jwt]
                fromCookies: [session]
                """);
        String t = rs256(claims(ISSUER, "a", NOW));
        authenticated(a.authenticate(request().header("x-jwt-assertion", t)));
        authenticated(a.authenticate(request().header("x-auth", "Token " + t)));
        assertThat(a.authenticate(request().header("x-auth", t))).as("prefix missing")
                .isInstanceOf(JwtResult.NoToken.class);
        authenticated(a.authenticate(request().param("jwt", t)));
        authenticated(a.authenticate(request().header("cookie", "theme=dark; session=" + t + "; lang=en")));
        authenticated(a.authenticate(request().header("cookie", "theme=dark").header("cookie", "session=\"" + t + "\"")));
        assertThat(a.authenticate(request().bearer(t))).as("defaults no longer read")
                .isInstanceOf(JwtResult.NoToken.class);
        assertThat(a.authenticate(request().param("access_token", t))).isInstanceOf(JwtResult.NoToken.class);
        assertThat(a.authenticate(request().header("cookie", "sessionx=" + t))).isInstanceOf(JwtResult.NoToken.class);
    }

    @Test
    void theTokenIsRemovedUnlessForwardOriginalToken() {
        String t = rs256(claims(ISSUER, "a", NOW));
        JwtAuthenticator strip = rsaRule("""
                fromHeaders: [{name: authorization, prefix: "Bearer "}]
                fromParams: [access_token]
                fromCookies: [session]
                """);
        var r = (JwtResult.Authenticated) strip.authenticate(request().bearer(t));
        assertThat(r.removeHeaders()).containsExactly("authorization");
        assertThat(r.removeQueryParameters()).isEmpty();
        r = (JwtResult.Authenticated) strip.authenticate(request().param("access_token", t));
        assertThat(r.removeHeaders()).isEmpty();
        assertThat(r.removeQueryParameters()).containsExactly("access_token");
        r = (JwtResult.Authenticated) strip.authenticate(request().header("cookie", "session=" + t));
        assertThat(r.removeHeaders()).as("cookies stay, as in Envoy").isEmpty();

        JwtAuthenticator keep = rsaRule("forwardOriginalToken: true");
        r = (JwtResult.Authenticated) keep.authenticate(request().bearer(t));
        assertThat(r.removeHeaders()).isEmpty();
        assertThat(r.removeQueryParameters()).isEmpty();
    }

    @Test
    void outputPayloadToHeaderCarriesThePayloadSegment() {
        JwtAuthenticator a = rsaRule("outputPayloadToHeader: X-Jwt-Payload");
        String t = rs256(claims(ISSUER, "alice", NOW).claim("role", "admin"));
        var r = (JwtResult.Authenticated) a.authenticate(request().bearer(t));
        String payload = r.setHeaders().get("x-jwt-payload");
        assertThat(payload).isEqualTo(t.split("\\.")[1]);
        String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
        assertThat(json).contains("\"sub\":\"alice\"").contains("\"role\":\"admin\"");
        // The output header is removed from every request first, so a client cannot send its own.
        assertThat(r.removeHeaders()).contains("x-jwt-payload");
        assertThat(((JwtResult.NoToken) a.authenticate(request())).removeHeaders()).containsExactly("x-jwt-payload");
    }

    @Test
    void outputClaimToHeadersCopiesStringIntegerBooleanAndNestedClaims() {
        JwtAuthenticator a = rsaRule("""
                outputClaimToHeaders:
                - {header: x-sub, claim: sub}
                - {header: x-level, claim: level}
                - {header: x-admin, claim: admin}
                - {header: x-group, claim: org.team.name}
                - {header: x-dotted, claim: "https://example.com/tenant"}
                - {header: x-list, claim: groups}
                - {header: x-ratio, claim: ratio}
                - {header: x-missing, claim: nope}
                - {header: x-crlf, claim: evil}
                """);
        String t = rs256(claims(ISSUER, "alice", NOW).claim("level", 3L).claim("admin", true)
                .claim("org", Map.of("team", Map.of("name", "payments"))).claim("https://example.com/tenant", "t1")
                .claim("groups", List.of("a", "b")).claim("ratio", 0.5).claim("evil", "x\r\nx-admin: true"));
        var r = (JwtResult.Authenticated) a.authenticate(request().bearer(t));
        assertThat(r.setHeaders()).containsOnly(Map.entry("x-sub", "alice"), Map.entry("x-level", "3"),
                Map.entry("x-admin", "true"), Map.entry("x-group", "payments"), Map.entry("x-dotted", "t1"));
        assertThat(r.removeHeaders()).contains("x-sub", "x-level", "x-admin", "x-group", "x-list", "x-missing",
                "x-crlf");
    }

    @Test
    void claimsAreExposedNestedAndSpaceDelimitedOnesSplit() {
        JwtAuthenticator a = rsaRule("spaceDelimitedClaims: [roles, realm.access]");
        String t = rs256(claims(ISSUER, "alice", NOW).claim("scope", "read  write").claim("permission", "p1 p2")
                .claim("roles", "editor admin").claim("realm", Map.of("access", "x y", "other", "u v"))
                .claim("groups", List.of("g1", "g2")).claim("note", "two words"));
        RequestIdentity id = authenticated(a.authenticate(request().bearer(t)));
        assertThat(id.claims().get("scope")).isEqualTo(List.of("read", "write"));
        assertThat(id.claims().get("permission")).isEqualTo(List.of("p1", "p2"));
        assertThat(id.claims().get("roles")).isEqualTo(List.of("editor", "admin"));
        assertThat(id.claims().get("realm")).isEqualTo(Map.of("access", List.of("x", "y"), "other", "u v"));
        assertThat(id.claims().get("groups")).isEqualTo(List.of("g1", "g2"));
        assertThat(id.claims().get("note")).as("not listed: stays one string").isEqualTo("two words");
        assertThat(Claims.lookup(id.claims(), "realm.other")).isEqualTo("u v");
    }

    @Test
    void everyTokenMustVerifyAndTheFirstIssuerGivesTheIdentity() {
        String other = "https://a-first.example.com";
        JwtAuthenticator a = authenticator(ra("two", """
                - issuer: %s
                  jwks: '%s'
                - issuer: %s
                  jwks: '%s'
                  fromHeaders: [{name: x-other}]
                """.formatted(ISSUER, jwks(RSA), other, jwks(EC))));
        String main = rs256(claims(ISSUER, "alice", NOW));
        String second = token(EC, claims(other, "svc", NOW).build());
        RequestIdentity id = authenticated(a.authenticate(request().bearer(main).header("x-other", second)));
        assertThat(id.principal()).isEqualTo(other + "/svc");
        String expired = token(EC, claims(other, "svc", NOW).expirationTime(Date.from(NOW.minusSeconds(120))).build());
        assertThat(rejected(a.authenticate(request().bearer(main).header("x-other", expired)), expired))
                .isEqualTo(Reasons.EXPIRED);
        // A token of issuer B in A's location: B's rule does not read that location.
        assertThat(rejected(a.authenticate(request().bearer(second)), second)).isEqualTo(Reasons.UNKNOWN_ISSUER);
        // Two values of the Authorization header: both are checked.
        String garbage = "x.y.z";
        assertThat(a.authenticate(request().bearer(main).header("authorization", "Bearer " + garbage)))
                .isInstanceOf(JwtResult.Rejected.class);
    }

    @Test
    void policiesCombineAndRulesForOneIssuerAreAlternatives() {
        String yaml = """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: mesh
                  namespace: istio-system
                spec:
                  jwtRules:
                  - issuer: %1$s
                    audiences: [mesh-aud]
                    jwks: '%2$s'
                ---
                """.formatted(ISSUER, jwks(RSA)) + ra("api", """
                - issuer: %s
                  audiences: [api-aud]
                  jwks: '%s'
                  outputClaimToHeaders: [{header: x-sub, claim: sub}]
                """.formatted(ISSUER, jwks(RSA)));
        JwtAuthenticator a = authenticator(yaml);
        assertThat(a.ruleCount()).isEqualTo(2);
        authenticated(a.authenticate(request().bearer(rs256(claims(ISSUER, "a", NOW).audience("mesh-aud")))));
        var viaSecond = (JwtResult.Authenticated) a.authenticate(
                request().bearer(rs256(claims(ISSUER, "a", NOW).audience("api-aud"))));
        assertThat(viaSecond.setHeaders()).containsEntry("x-sub", "a");
        String neither = rs256(claims(ISSUER, "a", NOW).audience("other"));
        assertThat(rejected(a.authenticate(request().bearer(neither)), neither)).isEqualTo(Reasons.AUDIENCE);
        // Another workload gets only the mesh-wide rule.
        JwtAuthenticator web = JwtAuthenticator.forWorkload(snapshot(yaml), "shop", Map.of("app", "web"), cache);
        assertThat(web.ruleCount()).isEqualTo(1);
        JwtAuthenticator none = JwtAuthenticator.forWorkload(snapshot(ra("api", """
                - issuer: %s
                  jwks: '%s'
                """.formatted(ISSUER, jwks(RSA)))), "shop", Map.of("app", "web"), cache);
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.authenticate(request().bearer(neither))).isEqualTo(new JwtResult.NoToken(List.of()));
    }

    @Test
    void aKeyWithoutKidVerifiesTokensWithAnyKid() {
        JwtAuthenticator a = authenticator(ra("nokid", """
                - issuer: %s
                  jwks: '{"kty":"RSA","n":"%s","e":"%s"}'
                """.formatted(ISSUER, RSA.getModulus(), RSA.getPublicExponent())));
        authenticated(a.authenticate(request().bearer(token(RSA, "whatever", claims(ISSUER, "a", NOW).build()))));
        authenticated(a.authenticate(request().bearer(token(RSA, null, claims(ISSUER, "a", NOW).build()))));
    }

    @Test
    void aKeyIsUsedOnlyForItsOwnAlgorithmAndForSignatures() throws JOSEException {
        String rs512Only = new com.nimbusds.jose.jwk.RSAKey.Builder(RSA.toRSAPublicKey()).keyID(RSA.getKeyID())
                .algorithm(JWSAlgorithm.RS512).build().toJSONString();
        JwtAuthenticator a = authenticator(ra("alg", """
                - issuer: %s
                  jwks: '{"keys":[%s]}'
                """.formatted(ISSUER, rs512Only)));
        String t = rs256(claims(ISSUER, "a", NOW));
        assertThat(rejected(a.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.KID_MISMATCH);

        String encryption = new com.nimbusds.jose.jwk.RSAKey.Builder(RSA.toRSAPublicKey()).keyID(RSA.getKeyID())
                .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).build().toJSONString();
        JwtAuthenticator enc = authenticator(ra("enc", """
                - issuer: %s
                  jwks: '{"keys":[%s]}'
                """.formatted(ISSUER, encryption)));
        assertThat(rejected(enc.authenticate(request().bearer(t)), t)).isEqualTo(Reasons.NO_VALID_KEYS);
    }
}

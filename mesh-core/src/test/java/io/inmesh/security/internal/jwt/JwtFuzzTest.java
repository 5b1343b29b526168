package io.inmesh.security.internal.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes {@link JwtAuthenticator} with a rule whose key set is inline (an RSA and an EC key generated at start-up;
 * no network): issuer {@value #ISSUER}, audience {@value #AUDIENCE}, clock fixed at {@link #NOW}.
 *
 * <p>Properties: {@link JwtAuthenticator#authenticate} never throws; a token is accepted only when it is signed by
 * one of the rule's keys with a supported algorithm, its {@code kid} (if any) names that key, and its claims satisfy the rule (issuer equal, an audience that
 * matches after Envoy's sanitising, {@code exp} and {@code nbf} within the 60 s skew); an accepted token's principal
 * is {@code iss/sub}; a rejection's reason never contains a part of the token.
 *
 * <p>Input: the first byte picks a case: (0) a fuzzed token string, (1) fuzzed claims signed by a chosen key (the
 * rule's or a stranger's) and algorithm, (2) such a signed token with one of its three parts replaced by fuzz.
 */
class JwtFuzzTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final String ISSUER = "https://issuer.example.com";
    static final String AUDIENCE = "api.example.com";
    static final long SKEW = 60;

    /** Every reason a rejection may give: fixed sentences, so none carries a part of the token. */
    static final Set<String> REASONS = Set.of(Reasons.BAD_FORMAT, Reasons.BAD_HEADER, Reasons.BAD_PAYLOAD,
            Reasons.UNSUPPORTED_ALG, Reasons.UNKNOWN_ISSUER, Reasons.EXPIRED, Reasons.NOT_YET_VALID, Reasons.AUDIENCE,
            Reasons.VERIFICATION_FAILS, Reasons.KID_MISMATCH, Reasons.FETCH_FAILED, Reasons.NO_VALID_KEYS);

    static RSAKey rsa;
    static ECKey ec;
    static RSAKey strangerRsa;
    static ECKey strangerEc;
    static JwksCache cache;
    static JwtAuthenticator authenticator;

    @BeforeAll
    static void keys() {
        rsa = JwtFixtures.generateRsa("rsa-1");
        ec = JwtFixtures.generateEc("ec-1");
        strangerRsa = JwtFixtures.generateRsa("rsa-1"); // same kid: only the signature tells them apart
        strangerEc = JwtFixtures.generateEc("ec-2");
        cache = JwksCache.builder().clock(new JwtFixtures.MutableClock(NOW)).noScheduler().build();
        authenticator = JwtAuthenticator.forWorkload(JwtFixtures.snapshot(JwtFixtures.ra("api", """
                - issuer: %s
                  audiences: [%s]
                  jwks: '%s'
                  outputPayloadToHeader: x-jwt-payload
                  outputClaimToHeaders:
                  - header: x-sub
                    claim: sub
                  - header: x-nested
                    claim: a.b
                """.formatted(ISSUER, AUDIENCE, JwtFixtures.jwks(rsa, ec)))), "shop", Map.of("app", "api"), cache);
    }

    @AfterAll
    static void close() {
        cache.close();
    }

    @FuzzTest(maxDuration = "30s")
    void authenticate(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        if (mode == 0) {
            boolean header = data.consumeBoolean();
            String token = data.consumeRemainingAsString();
            JwtResult r = run(token, header);
            assertThat(r).as("an unsigned fuzzed token %s", token).isNotInstanceOf(JwtResult.Authenticated.class);
            return;
        }
        // claims
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        String iss = data.consumeBoolean() ? ISSUER : data.consumeString(40);
        if (data.consumeBoolean()) {
            claims.issuer(iss);
        }
        String sub = data.consumeString(40);
        claims.subject(sub);
        List<String> aud = switch (data.consumeInt(0, 3)) {
            case 0 -> List.of();
            case 1 -> List.of(AUDIENCE);
            case 2 -> List.of(data.consumeString(40));
            default -> List.of(data.consumeString(40), data.pickValue(List.of(AUDIENCE, "https://" + AUDIENCE + "/",
                    "http://" + AUDIENCE, "HTTPS://" + AUDIENCE, AUDIENCE + "//", " " + AUDIENCE)));
        };
        if (!aud.isEmpty()) {
            claims.audience(aud);
        }
        Long exp = data.consumeBoolean() ? null : (long) data.consumeInt(-100_000, 100_000);
        Long nbf = data.consumeBoolean() ? null : (long) data.consumeInt(-100_000, 100_000);
        if (exp != null) {
            claims.expirationTime(Date.from(NOW.plusSeconds(exp)));
        }
        if (nbf != null) {
            claims.notBeforeTime(Date.from(NOW.plusSeconds(nbf)));
        }
        if (data.consumeBoolean()) {
            claims.claim(data.consumeString(20), data.consumeString(40));
        }
        if (data.consumeBoolean()) {
            claims.claim("a", Map.of("b", data.consumeBoolean() ? data.consumeString(40) : data.consumeLong()));
        }
        if (data.consumeBoolean()) {
            claims.claim("scope", data.consumeString(60));
        }
        JWK key = data.pickValue(List.of(rsa, ec, strangerRsa, strangerEc));
        boolean rightKey = key == rsa || key == ec;
        JWSAlgorithm alg = key instanceof RSAKey
                ? data.pickValue(List.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                        JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512))
                : JWSAlgorithm.ES256;
        String kid = switch (data.consumeInt(0, 2)) {
            case 0 -> key.getKeyID();
            case 1 -> null;
            default -> data.consumeString(10);
        };
        String token = JwtFixtures.token(key, alg, kid, claims.build());
        // the key by kid when the token has one: a kid naming no key of the set fails even with the right key
        boolean kidOk = kid == null || kid.equals(key.getKeyID());
        boolean claimsValid = kidOk && ISSUER.equals(iss) && claimsSet(claims)
                && aud.stream().anyMatch(a -> JwtRule.sanitizeAudience(a).equals(AUDIENCE))
                && (exp == null || exp + SKEW >= 0)
                && (nbf == null || nbf - SKEW <= 0);
        if (mode == 2) {
            String[] parts = token.split("\\.", -1);
            int which = data.consumeInt(0, 2);
            String replacement = data.consumeRemainingAsString();
            parts[which] = replacement;
            String changed = String.join(".", parts);
            JwtResult r = run(changed, true);
            if (r instanceof JwtResult.Authenticated) {
                // only a spelling of the same signed bytes may pass (base64url's unused trailing bits)
                String[] original = token.split("\\.", -1);
                assertThat(rightKey && claimsValid).as("accepted %s", changed).isTrue();
                if (!replacement.equals(original[which])) {
                    assertThat(which).as("changed part of %s", changed).isEqualTo(2);
                    assertThat(new Base64URL(replacement).decode()).isEqualTo(new Base64URL(original[2]).decode());
                }
            }
            return;
        }
        boolean header = data.consumeBoolean();
        JwtResult r = run(token, header);
        boolean accepted = r instanceof JwtResult.Authenticated;
        assertThat(accepted).as("token signed by %s with %s, iss %s, aud %s, exp %s, nbf %s: %s",
                rightKey ? "the rule's key" : "a stranger's key", alg, iss, aud, exp, nbf, r)
                .isEqualTo(rightKey && claimsValid);
        if (accepted) {
            JwtResult.Authenticated a = (JwtResult.Authenticated) r;
            assertThat(a.identity().principal()).isEqualTo(ISSUER + "/" + sub);
            assertThat(a.removeHeaders()).contains("x-jwt-payload", "x-sub", "x-nested");
            if (header) {
                assertThat(a.removeHeaders()).contains("authorization");
            } else {
                assertThat(a.removeQueryParameters()).containsExactly("access_token");
            }
        }
    }

    private static boolean claimsSet(JWTClaimsSet.Builder b) {
        return b.build().getIssuer() != null;
    }

    private static JwtResult run(String token, boolean header) {
        JwtFixtures.Request request = JwtFixtures.request();
        if (header) {
            request.bearer(token);
        } else {
            request.param("access_token", token);
        }
        JwtResult r = authenticator.authenticate(request);
        assertThat(r).isNotNull();
        if (r instanceof JwtResult.Rejected rejected) {
            assertThat(rejected.reason()).as("reason for %s: a fixed sentence, never token data", token)
                    .isIn(REASONS);
        }
        return r;
    }
}

package io.inmesh.security.internal.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * One compiled {@code jwtRules[]} entry: the issuer it accepts, where its keys come from, and what it outputs.
 *
 * @param policy         {@code namespace/name} of the RequestAuthentication, for diagnostics
 * @param issuer         the {@code iss} a token must have; null when the rule names none (any issuer)
 * @param audiences      accepted audiences, sanitized as Envoy compares them; empty means any
 * @param keys           the rule's keys
 * @param forward        {@code forwardOriginalToken}
 * @param payloadHeader  {@code outputPayloadToHeader}, lower case, or null
 * @param claimHeaders   {@code outputClaimToHeaders}
 * @param spaceDelimited claims split on spaces in the identity's claims ({@code scope}, {@code permission} and
 *                       {@code spaceDelimitedClaims})
 * @param timeout        how long a request may wait for the first fetch of the rule's key set
 */
record JwtRule(String policy, String issuer, Set<String> audiences, Keys keys, boolean forward, String payloadHeader,
               List<ClaimHeader> claimHeaders, Set<String> spaceDelimited, Duration timeout) {

    /** Envoy's clock skew for {@code exp} and {@code nbf} ({@code clock_skew_seconds} default); Istio sets none. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** Asymmetric signature algorithms only; {@code none} and the HMAC family never verify. */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);

    record ClaimHeader(String header, String claim) {
    }

    /** Where a rule's keys come from. */
    sealed interface Keys {
        /** {@code jwks} in the rule; {@code problem} says why there are none when the document had no usable key. */
        record Inline(JWKSet set, String problem) implements Keys {
        }

        /** {@code jwksUri}, or OpenID discovery from the issuer. */
        record Remote(JwksCache.Source source) implements Keys {
        }

        /** Neither could be used (an issuer that is not a URL, without jwks or jwksUri). */
        record None(String problem) implements Keys {
        }
    }

    /** Envoy's audience comparison: {@code http://} or {@code https://} and one trailing {@code /} do not count. */
    static String sanitizeAudience(String aud) {
        String a = aud;
        if (a.startsWith("http://")) {
            a = a.substring("http://".length());
        } else if (a.startsWith("https://")) {
            a = a.substring("https://".length());
        }
        if (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }

    /**
     * Checks a parsed token against this rule: signature with the rule's keys, then {@code exp}/{@code nbf} with
     * {@link #CLOCK_SKEW}, then audiences. Returns null when the token verifies, else Envoy's reason.
     */
    String check(SignedJWT jwt, JWTClaimsSet claims, Instant now, JwksCache cache) {
        JWKSet set;
        if (keys instanceof Keys.Inline inline) {
            if (inline.set() == null) {
                return Reasons.NO_VALID_KEYS;
            }
            set = inline.set();
        } else if (keys instanceof Keys.Remote remote) {
            try {
                set = cache.keys(remote.source(), timeout);
            } catch (JwksCache.JwksUnavailableException e) {
                return Reasons.FETCH_FAILED;
            }
        } else {
            return Reasons.NO_VALID_KEYS;
        }
        JWSHeader header = jwt.getHeader();
        List<JWK> candidates = candidates(header, set);
        if (candidates.isEmpty()) {
            if (keys instanceof Keys.Remote remote && header.getKeyID() != null) {
                cache.unknownKey(remote.source());
            }
            return Reasons.KID_MISMATCH;
        }
        if (!verifiesWithAny(jwt, candidates)) {
            return Reasons.VERIFICATION_FAILS;
        }
        Date exp = claims.getExpirationTime();
        if (exp != null && now.isAfter(exp.toInstant().plus(CLOCK_SKEW))) {
            return Reasons.EXPIRED;
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(CLOCK_SKEW).isBefore(nbf.toInstant())) {
            return Reasons.NOT_YET_VALID;
        }
        if (!audiences.isEmpty()) {
            List<String> tokenAudiences = claims.getAudience();
            boolean any = false;
            for (String a : tokenAudiences) {
                if (a != null && audiences.contains(sanitizeAudience(a))) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return Reasons.AUDIENCE;
            }
        }
        return null;
    }

    /**
     * The keys that may have signed a token with {@code header}: the algorithm's key type (RSA for RS/PS, EC on the
     * algorithm's curve for ES), {@code alg} and {@code use} absent or matching, and, as jwt_verify_lib does, a
     * {@code kid} equal to the token's when both have one.
     */
    static List<JWK> candidates(JWSHeader header, JWKSet set) {
        JWSAlgorithm alg = header.getAlgorithm();
        JWKMatcher.Builder m = new JWKMatcher.Builder().keyType(KeyType.forAlgorithm(alg)).algorithms(alg, null)
                .keyUses(KeyUse.SIGNATURE, null);
        if (JWSAlgorithm.Family.EC.contains(alg)) {
            m.curves(Curve.forJWSAlgorithm(alg));
        }
        String kid = header.getKeyID();
        List<JWK> out = new ArrayList<>();
        for (JWK k : new JWKSelector(m.build()).select(set)) {
            if (kid == null || k.getKeyID() == null || kid.equals(k.getKeyID())) {
                out.add(k);
            }
        }
        return out;
    }

    private static boolean verifiesWithAny(SignedJWT jwt, List<JWK> candidates) {
        byte[] input = jwt.getSigningInput();
        for (JWK k : candidates) {
            try {
                JWSVerifier v;
                if (k instanceof RSAKey rsa) {
                    v = new RSASSAVerifier(rsa.toRSAPublicKey());
                } else if (k instanceof ECKey ec) {
                    v = new ECDSAVerifier(ec.toECPublicKey());
                } else {
                    continue;
                }
                if (v.verify(jwt.getHeader(), input, jwt.getSignature())) {
                    return true;
                }
            } catch (JOSEException e) {
                // a key that cannot verify this token (such as a curve mismatch): try the next one
            }
        }
        return false;
    }
}

package io.inmesh.config;

import io.inmesh.config.internal.bind.Alias;
import io.inmesh.config.internal.bind.Unsupported;
import java.time.Duration;
import java.util.List;

/** Istio's RequestAuthentication: which JWTs a workload accepts, and where to find them. */
public record RequestAuthentication(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public record Spec(
            WorkloadSelector selector,
            @Unsupported("Gateway API targets do not apply in-process") PolicyTargetReference targetRef,
            @Unsupported("Gateway API targets do not apply in-process") List<PolicyTargetReference> targetRefs,
            List<JwtRule> jwtRules) {
    }

    public record JwtRule(
            String issuer,
            List<String> audiences,
            @Alias("jwks_uri") String jwksUri,
            String jwks,
            List<JwtHeader> fromHeaders,
            List<String> fromParams,
            String outputPayloadToHeader,
            Boolean forwardOriginalToken,
            List<ClaimToHeader> outputClaimToHeaders,
            List<String> fromCookies,
            Duration timeout,
            List<String> spaceDelimitedClaims) {
    }

    public record JwtHeader(String name, String prefix) {
    }

    public record ClaimToHeader(String header, String claim) {
    }
}

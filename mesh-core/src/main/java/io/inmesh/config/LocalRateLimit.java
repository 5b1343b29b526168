package io.inmesh.config;

import java.time.Duration;
import java.util.List;

/**
 * InMesh's own {@code LocalRateLimit} ({@code inmesh.io/v1alpha1}): inbound token buckets for the workloads its
 * selector picks, namespace-wide without one. Plain Istio ignores this kind.
 */
public record LocalRateLimit(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public record Spec(WorkloadSelector selector, TokenBucket tokenBucket, Boolean perPrincipal,
                       List<BucketOverride> overrides) {
    }

    public record TokenBucket(Integer maxTokens, Integer tokensPerFill, Duration fillInterval) {
    }

    public record BucketOverride(Match match, TokenBucket tokenBucket) {
    }

    public record Match(List<String> paths, List<String> methods, List<String> principals) {
    }
}

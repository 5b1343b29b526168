package io.inmesh.security.internal.ratelimit;

import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.internal.compile.PolicyIndex;
import io.inmesh.security.InboundRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * InMesh's LocalRateLimit for one workload, compiled from one config snapshot; the buckets themselves live in a
 * {@link RateLimitBuckets} and survive snapshots that leave a policy unchanged.
 *
 * <p>Semantics (Envoy's local rate limit filter, as ISTIO-COMPAT "InMesh extensions" says):
 * <ul>
 *   <li>Token buckets as Envoy's ({@link TokenBucket}): start full with {@code maxTokens}; {@code tokensPerFill}
 *       (default 1) added every {@code fillInterval}; one token per request; none left: refused (429, flag
 *       {@code RL}).</li>
 *   <li>Overrides are tried in order and the first whose {@code match} fits the request replaces the policy's
 *       default bucket for it (Envoy's descriptors with {@code always_consume_default_token_bucket: false}). In a
 *       match, {@code paths}, {@code methods} and {@code principals} must all fit, each being a list of
 *       alternatives; paths and principals are AuthorizationPolicy-style values (exact, {@code prefix*},
 *       {@code *suffix}, {@code *}), paths compared after normalization ({@link Matching#normalizePath}), methods
 *       exactly (upper case). A principal pattern needs a peer principal.</li>
 *   <li>{@code perPrincipal: true}: every peer principal (plaintext callers together as one) has its own buckets,
 *       bounded as {@link RateLimitBuckets} describes.</li>
 *   <li>Every LocalRateLimit that applies to the workload is enforced, like stacked Envoy local rate limit filters:
 *       a request needs a token from each. They are consulted from the most specific scope to the widest
 *       (workload, namespace, mesh), so a refusal by a narrow policy takes no token from the wider ones; a token
 *       taken before a later refusal is not given back (as in Envoy).</li>
 *   <li>Headers: the refusing bucket's limit and remaining, or, when allowed, those of the bucket with the fewest
 *       tokens left ({@code x-ratelimit-limit}, {@code x-ratelimit-remaining}, {@code x-ratelimit-reset}).</li>
 * </ul>
 */
public final class LocalRateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final List<RateLimitBuckets.PolicyState> policies;
    private final boolean needsPath;

    private LocalRateLimiter(List<RateLimitBuckets.PolicyState> policies) {
        this.policies = policies;
        boolean paths = false;
        for (RateLimitBuckets.PolicyState p : policies) {
            paths |= p.policy.matchesPaths();
        }
        this.needsPath = paths;
    }

    /**
     * The LocalRateLimits of {@code snapshot} that apply to the workload, compiled, with their buckets from
     * {@code buckets} (one {@link RateLimitBuckets} per process, holding every workload's).
     */
    public static LocalRateLimiter forWorkload(MeshSnapshot snapshot, String namespace, Map<String, String> labels,
                                               RateLimitBuckets buckets) {
        PolicyIndex.Applicable<LocalRateLimit> a = snapshot.localRateLimits().forWorkload(namespace, labels);
        List<Policy> compiled = new ArrayList<>();
        for (List<LocalRateLimit> tier : List.of(a.workload(), a.namespace(), a.mesh())) {
            for (LocalRateLimit rl : tier) {
                compiled.add(Policy.compile(rl));
            }
        }
        return new LocalRateLimiter(List.copyOf(buckets.bind(workloadKey(namespace, labels), compiled)));
    }

    private static String workloadKey(String namespace, Map<String, String> labels) {
        return namespace + "|" + new TreeMap<>(labels);
    }

    /** True when no LocalRateLimit applies: every request is allowed without headers. */
    public boolean isEmpty() {
        return policies.isEmpty();
    }

    /**
     * Takes a token for the request from each applicable policy.
     *
     * @param principal the peer's principal ({@code trust-domain/ns/NS/sa/SA}, as {@code SpiffeId.principal()}),
     *                  or null for a plaintext caller
     */
    public RateLimitDecision check(InboundRequest request, String principal) {
        return check(request, principal, needsPath ? Matching.normalizePath(request.path()) : null);
    }

    /**
     * As {@link #check(InboundRequest, String)}, with the request's path already normalized by the authorization
     * engine's normalizer (the inbound chain normalizes a path once).
     */
    public RateLimitDecision check(InboundRequest request, String principal, String normalizedPath) {
        if (policies.isEmpty()) {
            return RateLimitDecision.UNLIMITED;
        }
        String peer = principal != null && principal.startsWith("spiffe://") ? principal.substring(9) : principal;
        String path = normalizedPath;
        String method = request.method();
        RateLimitDecision tightest = null;
        for (RateLimitBuckets.PolicyState p : policies) {
            int override = p.policy.select(path, method, peer);
            TokenBucket bucket = p.bucket(override, peer);
            TokenBucket.Take t = bucket.tryTake();
            long reset = (t.nanosToNextFill() + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
            RateLimitDecision d = new RateLimitDecision(t.allowed(), bucket.maxTokens(), t.remaining(), reset,
                    p.policy.name(), override);
            if (!t.allowed()) {
                return d;
            }
            if (tightest == null || d.remaining() < tightest.remaining()) {
                tightest = d;
            }
        }
        return tightest;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (RateLimitBuckets.PolicyState p : policies) {
            names.add(p.policy.name());
        }
        return "LocalRateLimiter" + names;
    }
}

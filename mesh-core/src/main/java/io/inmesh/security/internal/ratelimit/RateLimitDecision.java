package io.inmesh.security.internal.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The local rate limit's answer for one request. A refused request gets 429 with response flag {@code RL}; either
 * way the adapter may add {@link #headers()}.
 *
 * @param allowed      whether the request may proceed
 * @param limit        the deciding bucket's {@code maxTokens} ({@code x-ratelimit-limit}); -1 when no policy applies
 * @param remaining    tokens left in it after this request ({@code x-ratelimit-remaining}); -1 when none applies
 * @param resetSeconds seconds until its next fill, rounded up ({@code x-ratelimit-reset}); -1 when none applies
 * @param policy       the deciding LocalRateLimit, {@code namespace/name}: the one that refused, or among those
 *                     that allowed the one with the fewest tokens left; null when no policy applies
 * @param override     index into that policy's {@code overrides} of the bucket used, -1 for its default bucket
 */
public record RateLimitDecision(boolean allowed, long limit, long remaining, long resetSeconds, String policy,
                                int override) {

    /** No LocalRateLimit applies to the workload. */
    public static final RateLimitDecision UNLIMITED = new RateLimitDecision(true, -1, -1, -1, null, -1);

    /**
     * Envoy's local rate limit headers ({@code enable_x_ratelimit_headers: DRAFT_VERSION_03}): limit, remaining
     * and reset; empty when no policy applies.
     */
    public Map<String, String> headers() {
        if (policy == null) {
            return Map.of();
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ratelimit-limit", Long.toString(limit));
        h.put("x-ratelimit-remaining", Long.toString(remaining));
        h.put("x-ratelimit-reset", Long.toString(resetSeconds));
        return h;
    }
}

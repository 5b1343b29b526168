package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks one endpoint among healthy candidates. Implementations are thread-safe, keep their state (cursors, hash
 * rings) across calls, and allocate nothing per pick once warmed for a given candidate list (a list is immutable;
 * callers pass the same instance until the candidates change, so derived structures may be cached by identity).
 */
public interface LoadBalancer {

    /** Marker for "this request has no hash key". */
    long NO_HASH = Long.MIN_VALUE;

    /**
     * The index in {@code hosts} (non-empty) of the chosen endpoint.
     *
     * @param hash   the request's hash key for consistent hashing, or {@link #NO_HASH}; ignored by other policies
     * @param random the random source (injected for tests)
     */
    int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random);
}

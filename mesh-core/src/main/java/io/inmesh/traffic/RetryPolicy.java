package io.inmesh.traffic;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The retry policy in force for a route, as Istio translates {@code retries} for Envoy.
 *
 * @param attempts             retries after the first try (0: no retries)
 * @param perTryTimeout        time limit of each try, or null (the route timeout bounds it)
 * @param retryOn              the retry conditions, Envoy's tokens, in the order given
 * @param retriableStatusCodes statuses retried under {@code retriable-status-codes} (from numeric tokens)
 * @param ignorePreviousHosts  whether a retry avoids endpoints already tried
 * @param backoff              base back-off interval (25 ms unless {@code retries.backoff} says otherwise)
 * @param isDefault            true when the route has no {@code retries} and Istio's default policy applies
 */
public record RetryPolicy(int attempts, Duration perTryTimeout, List<String> retryOn, Set<Integer> retriableStatusCodes,
                          boolean ignorePreviousHosts, Duration backoff, boolean isDefault) {

    public RetryPolicy {
        retryOn = List.copyOf(retryOn);
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    }
}

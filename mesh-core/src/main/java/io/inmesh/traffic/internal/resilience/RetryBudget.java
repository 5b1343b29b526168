package io.inmesh.traffic.internal.resilience;

import io.inmesh.config.DestinationRule;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DestinationRule's {@code trafficPolicy.retryBudget}: concurrent retries to a destination limited to a share of
 * its active requests, never below a floor.
 *
 * <p>The rule is Envoy's {@code CircuitBreakers.Thresholds.RetryBudget} as its resource manager computes it: a retry
 * may start while {@code activeRetries < max(floor(percent / 100 x activeRequests), minRetryConcurrency)}, with
 * {@code percent} 20 and {@code minRetryConcurrency} 3 when absent. Envoy counts active plus pending requests, so
 * {@code activeRequests} is every request to the destination in flight or waiting, retries included (what
 * {@link ConnectionLimits#activeRequests()} reports when each try takes a request permit).
 *
 * <p>When a retry budget is configured Envoy uses it instead of the {@code maxRetries} circuit breaker
 * ({@code circuit_breaker.proto}: "If this field is set, the retry budget will override any configured retry circuit
 * breaker"), so callers use this class <em>or</em> {@link ConnectionLimits#tryAcquireRetry()}, not both.
 *
 * <p>Not supported: {@code budgetInterval} (Envoy's newer window of requests started over an interval). The budget is
 * always computed from requests in flight, Envoy's behaviour when no interval is set.
 *
 * <p>Thread-safe and lock-free; no allocation per call.
 */
public final class RetryBudget {
    /** Envoy's default share of active requests that may be retries, in percent. */
    public static final double DEFAULT_PERCENT = 20.0;

    /** Envoy's default floor on concurrent retries. */
    public static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

    private final boolean unlimited;
    private final double percent;
    private final int minRetryConcurrency;
    private final AtomicInteger activeRetries = new AtomicInteger();

    private RetryBudget(boolean unlimited, double percent, int minRetryConcurrency) {
        this.unlimited = unlimited;
        this.percent = percent;
        this.minRetryConcurrency = minRetryConcurrency;
    }

    /**
     * The budget of a traffic policy.
     *
     * @param settings {@code trafficPolicy.retryBudget}, or {@code null} for no budget (retries are then bounded only
     *                 by {@link ConnectionLimits})
     * @throws IllegalArgumentException if {@code percent} is outside 0..100 or {@code minRetryConcurrency} is negative
     */
    public static RetryBudget create(DestinationRule.RetryBudget settings) {
        if (settings == null) {
            return new RetryBudget(true, 100.0, Integer.MAX_VALUE);
        }
        double percent = settings.percent() == null ? DEFAULT_PERCENT : settings.percent();
        if (!(percent >= 0.0 && percent <= 100.0)) {
            throw new IllegalArgumentException(
                    "retryBudget.percent: " + settings.percent() + " (expected: 0 to 100)");
        }
        int min = settings.minRetryConcurrency() == null
                ? DEFAULT_MIN_RETRY_CONCURRENCY
                : settings.minRetryConcurrency();
        if (min < 0) {
            throw new IllegalArgumentException(
                    "retryBudget.minRetryConcurrency: " + min + " (expected: >= 0)");
        }
        return new RetryBudget(false, percent, min);
    }

    /**
     * Takes a retry permit if the budget allows one more concurrent retry. Each {@code true} must be matched by one
     * {@link #releaseRetry()} when that retry ends.
     *
     * @param activeRequests requests to the destination in flight or waiting, retries included
     */
    public boolean tryAcquireRetry(int activeRequests) {
        if (unlimited) {
            activeRetries.incrementAndGet();
            return true;
        }
        long limit = limit(activeRequests);
        for (;;) {
            int current = activeRetries.get();
            if (current >= limit) {
                return false;
            }
            if (activeRetries.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Returns a permit taken by {@link #tryAcquireRetry(int)}. */
    public void releaseRetry() {
        activeRetries.decrementAndGet();
    }

    /** Retries holding a permit now. */
    public int activeRetries() {
        return activeRetries.get();
    }

    /**
     * How many concurrent retries the budget allows with the given number of active requests: Envoy's
     * {@code max(floor(percent / 100 x active), minRetryConcurrency)}, or {@link Long#MAX_VALUE} without a budget.
     */
    public long limit(int activeRequests) {
        if (unlimited) {
            return Long.MAX_VALUE;
        }
        long share = (long) (percent / 100.0 * Math.max(0, activeRequests));
        return Math.max(share, minRetryConcurrency);
    }

    @Override
    public String toString() {
        if (unlimited) {
            return "RetryBudget{unlimited, active=" + activeRetries.get() + "}";
        }
        return "RetryBudget{percent=" + percent + ", minRetryConcurrency=" + minRetryConcurrency
                + ", active=" + activeRetries.get() + "}";
    }
}

package io.inmesh.traffic.internal.resilience;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.inmesh.config.DestinationRule;
import java.time.Duration;

/**
 * A DestinationRule's {@code connectionPool} as circuit breakers: how many requests and retries to a destination may
 * be in flight at once. Over a limit a request fails at once (503, response flag {@code UO}); nothing waits.
 *
 * <p>An in-process client has no connection pool of Envoy's to count, so the HTTP/1.1 behaviour of Istio's
 * circuit-breaking task is reproduced on requests: {@code maxConnections} requests hold a connection and
 * {@code http1MaxPendingRequests} more may wait for one, so {@code maxConnections: 1} with
 * {@code http1MaxPendingRequests: 1} lets two requests run and refuses a third. The request limit is therefore
 * {@code maxConnections + http1MaxPendingRequests}, further capped by {@code http2MaxRequests} (Envoy's
 * {@code max_requests}) when set.
 *
 * <p>Unset limits are Istio's defaults, 2^32-1, i.e. unlimited; like Istio, a value of 0 or less counts as unset
 * (Istio's cluster builder only copies values above 0). Limits are clamped to {@link Integer#MAX_VALUE}.
 * {@code maxRetries} bounds concurrent retries the same way; when the rule also sets a {@code retryBudget} Envoy uses
 * the budget instead, so callers then use {@link RetryBudget} and not {@link #tryAcquireRetry()}.
 *
 * <p>Built on resilience4j semaphore bulkheads with a zero wait. Thread-safe and non-blocking. An interrupted thread
 * is refused (the semaphore reports the interrupt) and keeps its interrupt flag.
 */
public final class ConnectionLimits {
    /** Istio's default for every limit: 2^32-1. */
    public static final long ISTIO_UNLIMITED = 0xFFFF_FFFFL;

    private final Bulkhead requests;
    private final Bulkhead retries;
    private final int maxRequests;
    private final int maxRetries;

    private ConnectionLimits(int maxRequests, int maxRetries) {
        this.maxRequests = maxRequests;
        this.maxRetries = maxRetries;
        this.requests = bulkhead("inmesh-requests", maxRequests);
        this.retries = bulkhead("inmesh-retries", maxRetries);
    }

    private static Bulkhead bulkhead(String name, int limit) {
        return Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(limit)
                .maxWaitDuration(Duration.ZERO)
                // nobody ever waits, so there is no queue to keep fair
                .fairCallHandlingStrategyEnabled(false)
                .writableStackTraceEnabled(false)
                .build());
    }

    /**
     * The limits of a traffic policy.
     *
     * @param settings {@code trafficPolicy.connectionPool}, or {@code null} for no limits
     */
    public static ConnectionLimits create(DestinationRule.ConnectionPoolSettings settings) {
        DestinationRule.TcpSettings tcp = settings == null ? null : settings.tcp();
        DestinationRule.HttpSettings http = settings == null ? null : settings.http();
        long maxConnections = orUnlimited(tcp == null ? null : tcp.maxConnections());
        long pending = orUnlimited(http == null ? null : http.http1MaxPendingRequests());
        long requests = maxConnections + pending;
        Integer http2MaxRequests = http == null ? null : http.http2MaxRequests();
        if (http2MaxRequests != null && http2MaxRequests > 0) {
            requests = Math.min(requests, http2MaxRequests);
        }
        long retries = orUnlimited(http == null ? null : http.maxRetries());
        return new ConnectionLimits(clamp(requests), clamp(retries));
    }

    private static long orUnlimited(Integer limit) {
        return limit == null || limit <= 0 ? ISTIO_UNLIMITED : limit;
    }

    private static int clamp(long limit) {
        return (int) Math.min(limit, Integer.MAX_VALUE);
    }

    /**
     * Takes a request permit if fewer than {@link #maxRequests()} requests hold one. Each {@code true} must be
     * matched by one {@link #releaseRequest()} when the request ends.
     */
    public boolean tryAcquireRequest() {
        return requests.tryAcquirePermission();
    }

    /** Returns a permit taken by {@link #tryAcquireRequest()}. */
    public void releaseRequest() {
        requests.releasePermission();
    }

    /**
     * Takes a retry permit if fewer than {@link #maxRetries()} retries hold one ({@code maxRetries}). Each
     * {@code true} must be matched by one {@link #releaseRetry()} when the retry ends.
     */
    public boolean tryAcquireRetry() {
        return retries.tryAcquirePermission();
    }

    /** Returns a permit taken by {@link #tryAcquireRetry()}. */
    public void releaseRetry() {
        retries.releasePermission();
    }

    /** Requests holding a permit now. */
    public int activeRequests() {
        return maxRequests - requests.getMetrics().getAvailableConcurrentCalls();
    }

    /** Retries holding a permit now. */
    public int activeRetries() {
        return maxRetries - retries.getMetrics().getAvailableConcurrentCalls();
    }

    /** How many requests may hold a permit at once ({@link Integer#MAX_VALUE}: unlimited). */
    public int maxRequests() {
        return maxRequests;
    }

    /** How many retries may hold a permit at once ({@link Integer#MAX_VALUE}: unlimited). */
    public int maxRetries() {
        return maxRetries;
    }

    @Override
    public String toString() {
        return "ConnectionLimits{requests=" + activeRequests() + "/" + limit(maxRequests)
                + ", retries=" + activeRetries() + "/" + limit(maxRetries) + "}";
    }

    private static String limit(int limit) {
        return limit == Integer.MAX_VALUE ? "unlimited" : Integer.toString(limit);
    }
}

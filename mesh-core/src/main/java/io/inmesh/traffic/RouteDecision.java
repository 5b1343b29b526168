package io.inmesh.traffic;

import io.inmesh.traffic.internal.RoutePlan;
import java.time.Duration;
import java.util.List;

/**
 * The routing decision for one request: which VirtualService rule applies and what it does. A decision is a value:
 * taking it performs no I/O. The route's policies are shared by every request that takes the same rule; a decision
 * adds only the host and port of this request.
 */
public final class RouteDecision {
    private final RoutePlan plan;
    private final String host;
    private final int port;
    private final int matchedPrefixLength;

    /**
     * Made by the mesh's router; adapters read decisions, they do not build them.
     *
     * @param matchedPrefixLength length of the matched URI prefix for {@code rewrite.uri}, or -1 when the whole path
     *                            is replaced (exact or regex match)
     */
    public RouteDecision(RoutePlan plan, String host, int port, int matchedPrefixLength) {
        this.plan = plan;
        this.host = host;
        this.port = port;
        this.matchedPrefixLength = matchedPrefixLength;
    }

    public RouteStatus status() {
        return plan.status;
    }

    /** The request's host, fully qualified (as resolved in the caller's namespace). */
    public String host() {
        return host;
    }

    /** The request's port. */
    public int port() {
        return port;
    }

    /** The VirtualService that decided, {@code namespace/name}, or null (pass-through). */
    public String virtualService() {
        return plan.virtualService;
    }

    /** Index of the matching rule in {@code http[]}, or -1 when no rule matched or none applies. */
    public int routeIndex() {
        return plan.routeIndex;
    }

    /** The rule's {@code name}, or {@code http[i]} when unnamed; null when no rule matched. */
    public String routeName() {
        return plan.routeName;
    }

    /** The weighted destinations; for pass-through, the host itself. Empty for redirects and direct responses. */
    public List<DestinationShare> destinations() {
        return plan.shares;
    }

    /** The overall timeout, or null when none. */
    public Duration timeout() {
        return plan.timeoutNanos == 0 ? null : Duration.ofNanos(plan.timeoutNanos);
    }

    /** The retry policy in force (Istio's default when the rule sets none). */
    public RetryPolicy retries() {
        return plan.retry.policy;
    }

    /** Fault injection on the rule, or null. */
    public FaultPolicy fault() {
        return plan.fault == null ? null : plan.fault.policy;
    }

    /** Mirrors of the rule; empty when none. */
    public List<MirrorPolicy> mirrors() {
        return plan.mirrorPolicies;
    }

    /** The compiled plan, for adapters (an {@code internal} type). */
    public RoutePlan plan() {
        return plan;
    }

    /** Length of the matched URI prefix, or -1 when a rewrite replaces the whole path. */
    public int matchedPrefixLength() {
        return matchedPrefixLength;
    }

    @Override
    public String toString() {
        return "RouteDecision{" + status() + " host=" + host + ":" + port
                + (virtualService() == null ? "" : " vs=" + virtualService() + " route=" + routeName())
                + " destinations=" + destinations() + "}";
    }
}

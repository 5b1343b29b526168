package io.inmesh.traffic.internal;

import io.inmesh.discovery.Endpoint;
import io.inmesh.telemetry.internal.metrics.DestinationMeters;
import io.inmesh.traffic.internal.lb.HashPolicy;
import io.inmesh.traffic.internal.lb.LoadBalancer;
import io.inmesh.traffic.internal.lb.LoadBalancers;
import io.inmesh.traffic.internal.resilience.ConnectionLimits;
import io.inmesh.traffic.internal.resilience.OutlierDetector;
import io.inmesh.traffic.internal.resilience.RetryBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Envoy's cluster: one destination (host, subset, port) with its merged policy and the state that must outlive
 * config swaps while that policy is unchanged: endpoint health (outlier detection), requests in flight,
 * load-balancer cursors and hash tables, connection-pool and retry-budget counters.
 */
public final class Cluster {
    /** How many times a pick may be repeated to avoid endpoints already tried (Istio's host selection attempts). */
    static final int HOST_SELECTION_ATTEMPTS = 5;

    /** Endpoints a retry should avoid (those already tried). */
    public interface Avoid {
        boolean avoids(EndpointState s);
    }

    private record Members(List<Endpoint> source, List<EndpointState> all) {
    }

    public final String host;
    public final String subset;
    public final int port;
    public final DestinationPolicy policy;
    public final boolean passthrough;
    public final HashPolicy hashPolicy;
    final LoadBalancer loadBalancer;
    final OutlierDetector outlier;
    final ConnectionLimits limits;
    final RetryBudget retryBudget;
    /** InMesh's meters of the host: retries, pool overflows, ejections. */
    final DestinationMeters meters;
    private AutoCloseable ejectedTracking; // guarded by this
    private final Map<Endpoint, EndpointState> states = new ConcurrentHashMap<>();
    private volatile Members members = new Members(null, List.of());
    /** The snapshot generation in which a route last bound this cluster (see {@link Clusters}). */
    volatile long boundGeneration;

    Cluster(String host, String subset, int port, DestinationPolicy policy, LongSupplier nanoClock) {
        this(host, subset, port, policy, nanoClock, DestinationMeters.NOOP);
    }

    Cluster(String host, String subset, int port, DestinationPolicy policy, LongSupplier nanoClock,
            DestinationMeters meters) {
        this.meters = meters;
        this.host = host;
        this.subset = subset;
        this.port = port;
        this.policy = policy;
        this.passthrough = LoadBalancers.isPassthrough(policy.loadBalancer());
        this.loadBalancer = LoadBalancers.create(policy.loadBalancer());
        this.hashPolicy = policy.loadBalancer() == null ? null : HashPolicy.of(policy.loadBalancer().consistentHash());
        this.outlier = OutlierDetector.create(policy.outlierDetection(), nanoClock, meters::ejection);
        this.limits = ConnectionLimits.create(policy.connectionPool());
        this.retryBudget = RetryBudget.create(policy.retryBudget());
    }

    /**
     * The endpoints of this cluster among {@code source} (the registry's list for the host and port): those carrying
     * the subset's labels. Cached by identity of {@code source}; endpoint state is kept for endpoints that stay.
     */
    public List<EndpointState> members(List<Endpoint> source) {
        Members m = members;
        if (m.source() == source) {
            return m.all();
        }
        synchronized (this) {
            m = members;
            if (m.source() == source) {
                return m.all();
            }
            Map<String, String> labels = policy.subsetLabels();
            List<EndpointState> all = new ArrayList<>(source.size());
            for (Endpoint e : source) {
                if (labels == null || e.hasLabels(labels)) {
                    all.add(states.computeIfAbsent(e, k -> new EndpointState(k, outlier.newHealth())));
                }
            }
            states.keySet().retainAll(all.stream().map(EndpointState::endpoint).toList());
            List<EndpointState> frozen = List.copyOf(all);
            members = new Members(source, frozen);
            return frozen;
        }
    }

    /**
     * Chooses an endpoint among {@code all} that outlier detection has not ejected, avoiding those {@code avoid}
     * names (null: none) when it can within {@link #HOST_SELECTION_ATTEMPTS} picks. Null when none is healthy.
     */
    public EndpointState choose(List<EndpointState> all, Avoid avoid, long hash, RandomGenerator random) {
        List<EndpointState> healthy = outlier.healthy(all, EndpointState::health);
        if (healthy.isEmpty()) {
            return null;
        }
        EndpointState chosen = healthy.get(loadBalancer.pick(healthy, hash, random));
        for (int attempt = 1; avoid != null && attempt < HOST_SELECTION_ATTEMPTS && avoid.avoids(chosen); attempt++) {
            long h = hash == LoadBalancer.NO_HASH ? hash : io.inmesh.traffic.internal.lb.Hashing.mix(hash + attempt);
            chosen = healthy.get(loadBalancer.pick(healthy, h, random));
        }
        return chosen;
    }

    /** The cluster is kept in {@link Clusters}: its ejected endpoints count in the host's gauge. */
    synchronized void kept() {
        if (ejectedTracking == null && policy.outlierDetection() != null) {
            ejectedTracking = meters.trackEjected(outlier::ejectedCount);
        }
    }

    /** The cluster was dropped or replaced: its ejected endpoints no longer count. */
    synchronized void dropped() {
        if (ejectedTracking != null) {
            try {
                ejectedTracking.close();
            } catch (Exception impossible) {
                // removing from a list cannot fail
            }
            ejectedTracking = null;
        }
    }

    /** Number of endpoints in the cluster as last seen. */
    int memberCount() {
        return members.all().size();
    }

    /** Number of endpoints outlier detection has ejected now. */
    public int ejectedCount() {
        return outlier.ejectedCount();
    }

    /** Whether outlier detection has ejected {@code s} now. */
    public boolean isEjected(EndpointState s) {
        return outlier.isEjected(s.health());
    }

    /** The cluster's endpoints as last seen, with requests in flight and ejection. */
    public io.inmesh.traffic.DestinationStatus status() {
        List<io.inmesh.traffic.DestinationStatus.EndpointStatus> endpoints = new ArrayList<>();
        for (EndpointState s : members.all()) {
            Endpoint e = s.endpoint();
            endpoints.add(new io.inmesh.traffic.DestinationStatus.EndpointStatus(e.address(), e.port(), e.labels(),
                    s.activeRequests(), isEjected(s)));
        }
        return new io.inmesh.traffic.DestinationStatus(host, subset, port, endpoints);
    }

    @Override
    public String toString() {
        return "Cluster{" + host + (subset == null ? "" : "/" + subset) + ":" + port + " " + policy + "}";
    }
}

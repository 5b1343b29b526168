package io.inmesh.traffic.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The clusters of one mesh, by destination. A cluster is replaced only when its policy changes, so its runtime
 * state survives config reloads that leave the destination's policy alone.
 */
public final class Clusters {
    private record Key(String host, String subset, int port) {
    }

    private final Map<Key, Cluster> clusters = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    public Clusters(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The cluster for the destination under {@code policy}: the existing one when its policy is equal. */
    public Cluster get(String host, String subset, int port, DestinationPolicy policy) {
        Key key = new Key(host, subset, port);
        return clusters.compute(key, (k, existing) -> existing != null && existing.policy.equals(policy)
                ? existing : new Cluster(host, subset, port, policy, nanoClock));
    }

    /** Number of clusters held. */
    public int size() {
        return clusters.size();
    }
}

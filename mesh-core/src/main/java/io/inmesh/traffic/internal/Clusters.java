package io.inmesh.traffic.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The clusters of one mesh, by destination. A cluster is replaced only when its policy changes, so its runtime
 * state survives config reloads that leave the destination's policy alone. Clusters no route has bound during the
 * current or the previous snapshot are dropped when a new snapshot arrives; past {@link #LIMIT} clusters (a process
 * calling very many distinct hosts), new ones are handed out without being kept, so they start fresh each time.
 */
public final class Clusters {
    static final int LIMIT = 50_000;

    private record Key(String host, String subset, int port) {
    }

    private final Map<Key, Cluster> clusters = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private volatile long generation;

    public Clusters(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The cluster for the destination under {@code policy}: the existing one when its policy is equal. */
    public Cluster get(String host, String subset, int port, DestinationPolicy policy) {
        Key key = new Key(host, subset, port);
        long gen = generation;
        Cluster existing = clusters.get(key);
        if (existing != null && existing.policy.equals(policy)) {
            existing.boundGeneration = gen;
            return existing;
        }
        Cluster fresh = new Cluster(host, subset, port, policy, nanoClock);
        fresh.boundGeneration = gen;
        if (existing == null && clusters.size() >= LIMIT) {
            return fresh;
        }
        Cluster won = clusters.compute(key, (k, current) -> current != null && current.policy.equals(policy)
                ? current : fresh);
        won.boundGeneration = gen;
        return won;
    }

    /** A new snapshot is serving: forget clusters not bound during the last two snapshots. */
    void nextGeneration() {
        long gen = ++generation;
        clusters.values().removeIf(c -> c.boundGeneration < gen - 1);
    }

    /** Number of clusters held. */
    public int size() {
        return clusters.size();
    }
}

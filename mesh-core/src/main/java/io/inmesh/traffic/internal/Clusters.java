package io.inmesh.traffic.internal;

import io.inmesh.telemetry.internal.metrics.MeshMetrics;
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
    private final MeshMetrics metrics;
    private volatile long generation;

    public Clusters(LongSupplier nanoClock) {
        this(nanoClock, MeshMetrics.NOOP);
    }

    public Clusters(LongSupplier nanoClock, MeshMetrics metrics) {
        this.nanoClock = nanoClock;
        this.metrics = metrics;
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
        Cluster fresh = new Cluster(host, subset, port, policy, nanoClock, metrics.destination(host));
        fresh.boundGeneration = gen;
        if (existing == null && clusters.size() >= LIMIT) {
            return fresh;
        }
        Cluster[] replaced = new Cluster[1];
        Cluster won = clusters.compute(key, (k, current) -> {
            if (current != null && current.policy.equals(policy)) {
                return current;
            }
            replaced[0] = current;
            return fresh;
        });
        won.boundGeneration = gen;
        if (won == fresh) {
            fresh.kept();
            if (replaced[0] != null) {
                replaced[0].dropped();
            }
        }
        return won;
    }

    /** A new snapshot is serving: forget clusters not bound during the last two snapshots. */
    void nextGeneration() {
        long gen = ++generation;
        clusters.values().removeIf(c -> {
            if (c.boundGeneration < gen - 1) {
                c.dropped();
                return true;
            }
            return false;
        });
    }

    /** The status of every cluster held, by host, subset and port. */
    public java.util.List<io.inmesh.traffic.DestinationStatus> status() {
        return clusters.values().stream().map(Cluster::status)
                .sorted(java.util.Comparator.comparing(io.inmesh.traffic.DestinationStatus::host)
                        .thenComparing(d -> d.subset() == null ? "" : d.subset())
                        .thenComparingInt(io.inmesh.traffic.DestinationStatus::port))
                .toList();
    }

    /** Number of clusters held. */
    public int size() {
        return clusters.size();
    }
}

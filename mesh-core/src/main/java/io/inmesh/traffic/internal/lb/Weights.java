package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The endpoint weights of one candidate list, derived once per list instance: whether they are all equal, and
 * otherwise their running sums for weighted picks by binary search.
 */
final class Weights {

    /** The list these weights were derived from; compared by identity. */
    final List<? extends LbHost> hosts;
    /** True when every endpoint has the same weight. */
    final boolean uniform;
    /** {@code cumulative[i]} is the sum of the weights of hosts 0..i; null when {@link #uniform}. */
    final long[] cumulative;
    /** The sum of all weights. */
    final long total;

    private Weights(List<? extends LbHost> hosts, boolean uniform, long[] cumulative, long total) {
        this.hosts = hosts;
        this.uniform = uniform;
        this.cumulative = cumulative;
        this.total = total;
    }

    static Weights of(List<? extends LbHost> hosts) {
        int[] weights = new int[hosts.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = hosts.get(i).endpoint().weight();
        }
        return ofWeights(hosts, weights);
    }

    /** Weights for {@code hosts} taken from {@code weights} (same order, each at least 1) instead of the endpoints. */
    static Weights ofWeights(List<? extends LbHost> hosts, int[] weights) {
        int n = weights.length;
        boolean uniform = true;
        for (int i = 1; i < n && uniform; i++) {
            uniform = weights[i] == weights[0];
        }
        if (uniform) {
            return new Weights(hosts, true, null, (long) weights[0] * n);
        }
        long[] cumulative = new long[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
        return new Weights(hosts, false, cumulative, sum);
    }

    /** A random index, each with probability proportional to its weight. */
    int pickRandom(RandomGenerator random) {
        if (uniform) {
            return random.nextInt(hosts.size());
        }
        return indexOf(random.nextLong(total));
    }

    /** The index whose weight range holds {@code position} (0 &lt;= position &lt; total); non-uniform only. */
    int indexOf(long position) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > position) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Caches the {@link Weights} of the last candidate list seen. Readers race benignly: two threads meeting a new
     * list may both derive its weights, and either result is correct.
     */
    static final class Cache {
        private volatile Weights current;

        Weights get(List<? extends LbHost> hosts) {
            Weights w = current;
            if (w == null || w.hosts != hosts) {
                w = of(hosts);
                current = w;
            }
            return w;
        }
    }
}

package io.inmesh.traffic.internal.lb;

import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing with a Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016; Envoy's {@code MAGLEV}).
 *
 * <p>The table has a prime number M of slots. Endpoint i, keyed by {@code h = Hashing.hash64("<address>:<port>")},
 * prefers the slots {@code (offset + j * skip) mod M} for j = 0, 1, ... with {@code offset = h mod M} and
 * {@code skip = (mix(h ^ golden) mod (M - 1)) + 1} (unsigned remainders; M prime makes every such sequence a
 * permutation of the slots). Endpoints take turns claiming their next still-free preferred slot until the table is
 * full. With weights, each turn an endpoint adds its weight to a credit and claims a slot only when the credit
 * reaches the largest weight (which it then pays), so slot counts follow the weights. A request hash picks slot
 * {@code hash mod M} (unsigned).
 *
 * <p>Table size: the DestinationRule's {@code maglev.tableSize}, default {@value #DEFAULT_TABLE_SIZE}. Maglev needs
 * a prime; a size that is not prime is raised to the next prime (65536 becomes 65537), and sizes above
 * {@value #MAX_TABLE_SIZE} (Envoy's upper bound) are lowered to it. With more endpoints than slots, some endpoints
 * get no slot.
 *
 * <p>The table is built on the first pick that sees a new candidate list instance and cached until another
 * instance arrives; a lookup allocates nothing. {@link LoadBalancer#NO_HASH} picks a random slot, which is a
 * weighted random pick.
 */
final class MaglevLb implements LoadBalancer {

    /** Envoy's and Istio's default table size. */
    static final int DEFAULT_TABLE_SIZE = 65537;
    /** Envoy's largest accepted table size, a prime. */
    static final int MAX_TABLE_SIZE = 5000011;

    private final int tableSize;
    private volatile Table table;

    /** A Maglev balancer whose table has {@link #tableSize(Long) tableSize(requested)} slots. */
    MaglevLb(Long requestedTableSize) {
        this.tableSize = tableSize(requestedTableSize);
    }

    /**
     * The table size used for a configured {@code maglev.tableSize}: the default when absent or not positive, the
     * next prime when not prime, at most {@value #MAX_TABLE_SIZE}.
     */
    static int tableSize(Long requested) {
        if (requested == null || requested <= 0) {
            return DEFAULT_TABLE_SIZE;
        }
        if (requested >= MAX_TABLE_SIZE) {
            return MAX_TABLE_SIZE;
        }
        int m = (int) (long) requested;
        while (!isPrime(m)) {
            m++;
        }
        return m;
    }

    static boolean isPrime(int m) {
        if (m < 2) {
            return false;
        }
        if (m % 2 == 0) {
            return m == 2;
        }
        for (int d = 3; (long) d * d <= m; d += 2) {
            if (m % d == 0) {
                return false;
            }
        }
        return true;
    }

    int tableSize() {
        return tableSize;
    }

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        if (hosts.size() == 1) {
            return 0;
        }
        int[] slots = table(hosts).slots;
        if (hash == NO_HASH) {
            return slots[random.nextInt(slots.length)];
        }
        return slots[(int) Long.remainderUnsigned(hash, slots.length)];
    }

    /** The table for {@code hosts}, built on first use of this list instance. */
    Table table(List<? extends LbHost> hosts) {
        Table t = table;
        if (t == null || t.hosts != hosts) {
            t = new Table(hosts, build(hosts, tableSize));
            table = t;
        }
        return t;
    }

    static int[] build(List<? extends LbHost> hosts, int m) {
        int n = hosts.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] credit = new long[n];
        int[] weight = new int[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            long h = Hashing.hash64(hosts.get(i).endpoint().hostPort());
            offset[i] = Long.remainderUnsigned(h, m);
            skip[i] = Long.remainderUnsigned(Hashing.mix(h ^ 0x9e3779b97f4a7c15L), m - 1) + 1;
            weight[i] = hosts.get(i).endpoint().weight();
            maxWeight = Math.max(maxWeight, weight[i]);
        }
        int[] slots = new int[m];
        Arrays.fill(slots, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                credit[i] += weight[i];
                if (credit[i] < maxWeight) {
                    continue;
                }
                credit[i] -= maxWeight;
                int slot;
                do {
                    slot = (int) ((offset[i] + next[i] * skip[i]) % m);
                    next[i]++;
                } while (slots[slot] >= 0);
                slots[slot] = i;
                if (++filled == m) {
                    return slots;
                }
            }
        }
    }

    /** A built table: slot to endpoint index. */
    static final class Table {
        final List<? extends LbHost> hosts;
        final int[] slots;

        Table(List<? extends LbHost> hosts, int[] slots) {
            this.hosts = hosts;
            this.slots = slots;
        }
    }
}

package io.inmesh.traffic.internal.lb;

import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing on a ketama-style hash ring (Envoy's {@code RING_HASH}).
 *
 * <p>Every endpoint gets virtual nodes in proportion to its weight; virtual node {@code j} of an endpoint sits at
 * {@code Hashing.hash64("<address>:<port>_<j>")} ({@link io.inmesh.discovery.Endpoint#hostPort()} form). A request
 * hash goes to the first virtual node at or after it, wrapping around. Positions are ordered as signed longs; the
 * ring's starting point is arbitrary, only consistency matters.
 *
 * <p>Ring size: the lightest endpoint gets {@code k} virtual nodes, {@code k} being the smallest power of two with
 * {@code k / (its share of the total weight) >= minimumRingSize}; every other endpoint gets
 * {@code round(k * weight / lightest weight)}. Envoy uses the exact quotient instead of a power of two; rounding up
 * to a power of two (at most doubling the ring) keeps {@code k} unchanged across most membership changes, so
 * adding or removing an endpoint moves only the keys it gains or owned, not also keys between the others. The ring
 * holds at most {@link #MAX_RING_SIZE} nodes (Envoy's maximum); {@code k} shrinks to fit, never below one.
 *
 * <p>A ring entry packs the position's high bits with the endpoint's index in the low
 * {@code ceil(log2(endpoints))} bits, so the ring is one sorted {@code long[]}: a lookup is one binary search and
 * allocates nothing. Positions keep at least 33 bits (far more than the ring needs to be spread well).
 *
 * <p>The ring is built on the first pick that sees a new candidate list instance and cached until another instance
 * arrives. {@link LoadBalancer#NO_HASH} picks a random ring entry, which is a weighted random pick.
 */
final class RingHashLb implements LoadBalancer {

    /** Envoy's default minimum ring size, used when the DestinationRule gives none. */
    static final long DEFAULT_MIN_RING_SIZE = 1024;
    /** Envoy's maximum ring size (8M entries). */
    static final long MAX_RING_SIZE = 8L * 1024 * 1024;

    private final long minRingSize;
    private volatile Ring ring;

    /** A ring hash balancer; {@code minRingSize} is clamped to 1..{@link #MAX_RING_SIZE}. */
    RingHashLb(long minRingSize) {
        this.minRingSize = Math.max(1, Math.min(minRingSize, MAX_RING_SIZE));
    }

    long minRingSize() {
        return minRingSize;
    }

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        if (hosts.size() == 1) {
            return 0;
        }
        Ring r = ring(hosts);
        long[] entries = r.entries;
        if (hash == NO_HASH) {
            return (int) (entries[random.nextInt(entries.length)] & r.indexMask);
        }
        long key = hash & ~r.indexMask;
        int lo = 0;
        int hi = entries.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (entries[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return (int) (entries[lo == entries.length ? 0 : lo] & r.indexMask);
    }

    /** The ring for {@code hosts}, built on first use of this list instance. */
    Ring ring(List<? extends LbHost> hosts) {
        Ring r = ring;
        if (r == null || r.hosts != hosts) {
            r = build(hosts, minRingSize);
            ring = r;
        }
        return r;
    }

    static Ring build(List<? extends LbHost> hosts, long minRingSize) {
        int n = hosts.size();
        long total = 0;
        long lightest = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            int w = hosts.get(i).endpoint().weight();
            total += w;
            lightest = Math.min(lightest, w);
        }
        // Smallest power of two k with k * total / lightest >= minRingSize.
        double perLightest = minRingSize * (double) lightest / total;
        long k = Long.highestOneBit(Math.max(1, (long) Math.ceil(perLightest)) * 2 - 1);
        while (k > 1 && k * (double) total / lightest > MAX_RING_SIZE) {
            k >>= 1;
        }
        long[] counts = new long[n];
        long size = 0;
        for (int i = 0; i < n; i++) {
            counts[i] = Math.max(1, Math.round(k * (double) hosts.get(i).endpoint().weight() / lightest));
            size += counts[i];
        }
        if (size > MAX_RING_SIZE) {
            // Only when even k = 1 needs more than MAX_RING_SIZE entries: shrink every count proportionally.
            double shrink = MAX_RING_SIZE / (double) size;
            size = 0;
            for (int i = 0; i < n; i++) {
                counts[i] = Math.max(1, (long) (counts[i] * shrink));
                size += counts[i];
            }
        }
        int indexBits = 32 - Integer.numberOfLeadingZeros(n - 1);
        long indexMask = (1L << indexBits) - 1;
        long[] entries = new long[Math.toIntExact(size)];
        StringBuilder name = new StringBuilder(64);
        int e = 0;
        for (int i = 0; i < n; i++) {
            name.setLength(0);
            name.append(hosts.get(i).endpoint().hostPort()).append('_');
            int prefix = name.length();
            for (long j = 0; j < counts[i]; j++) {
                name.setLength(prefix);
                name.append(j);
                entries[e++] = (Hashing.hash64(name) & ~indexMask) | i;
            }
        }
        Arrays.sort(entries);
        return new Ring(hosts, entries, indexMask);
    }

    /** A built ring: sorted entries, each position bits | endpoint index. */
    static final class Ring {
        final List<? extends LbHost> hosts;
        final long[] entries;
        final long indexMask;

        Ring(List<? extends LbHost> hosts, long[] entries, long indexMask) {
            this.hosts = hosts;
            this.entries = entries;
            this.indexMask = indexMask;
        }
    }
}

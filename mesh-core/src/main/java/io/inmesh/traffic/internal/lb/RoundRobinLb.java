package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Round robin over a shared cursor. With equal weights the cursor walks the list in order. With different weights
 * the cursor walks positions {@code 0..W-1} of the weight line (W the sum of the weights, host i owning a run of
 * weight(i) positions) in the order {@code p * s mod W}, where {@code s} is the integer closest above
 * {@code W / golden ratio} that is coprime with W: every cycle of W picks gives each host exactly its weight, and
 * the golden-ratio stride interleaves the hosts instead of sending a host its whole share in a row.
 */
final class RoundRobinLb implements LoadBalancer {

    /** Weight sums above this are scaled down so that {@code p * s} cannot overflow. */
    private static final long MAX_TOTAL = 1L << 30;
    private static final double INVERSE_GOLDEN_RATIO = 0.6180339887498949;

    private final AtomicLong cursor = new AtomicLong();
    private volatile Schedule schedule;

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        int n = hosts.size();
        if (n == 1) {
            return 0;
        }
        long c = cursor.getAndIncrement();
        Schedule s = schedule;
        if (s == null || s.hosts != hosts) {
            s = new Schedule(hosts);
            schedule = s;
        }
        if (s.weights == null) {
            return (int) Math.floorMod(c, (long) n);
        }
        long position = Math.floorMod(c, s.weights.total) * s.stride % s.weights.total;
        return s.weights.indexOf(position);
    }

    /** The weighted schedule of one candidate list; {@code weights} null when the weights are equal. */
    private static final class Schedule {
        final List<? extends LbHost> hosts;
        final Weights weights;
        final long stride;

        Schedule(List<? extends LbHost> hosts) {
            this.hosts = hosts;
            Weights w = Weights.of(hosts);
            if (!w.uniform && w.total > MAX_TOTAL) {
                w = scaledDown(hosts, w.total);
            }
            if (w.uniform) {
                this.weights = null;
                this.stride = 1;
                return;
            }
            this.weights = w;
            long s = Math.max(1, (long) Math.ceil(w.total * INVERSE_GOLDEN_RATIO));
            while (gcd(s, w.total) != 1) {
                s++;
            }
            this.stride = s;
        }

        private static Weights scaledDown(List<? extends LbHost> hosts, long total) {
            long divisor = (total + MAX_TOTAL - 1) / MAX_TOTAL;
            int[] scaled = new int[hosts.size()];
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] = (int) Math.max(1, hosts.get(i).endpoint().weight() / divisor);
            }
            return Weights.ofWeights(hosts, scaled);
        }

        private static long gcd(long a, long b) {
            while (b != 0) {
                long t = a % b;
                a = b;
                b = t;
            }
            return a;
        }
    }
}

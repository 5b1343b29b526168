package io.inmesh.traffic.internal.lb;

import io.inmesh.config.DestinationRule;

/**
 * Makes the {@link LoadBalancer} for a DestinationRule's {@code trafficPolicy.loadBalancer}.
 *
 * <table>
 *   <caption>Policy for each setting</caption>
 *   <tr><th>setting</th><th>balancer</th></tr>
 *   <tr><td>absent, {@code UNSPECIFIED}, {@code LEAST_REQUEST}, {@code LEAST_CONN} (deprecated alias)</td>
 *       <td>least request, power of two choices; with different weights, a weighted draw on
 *       {@code weight / (active + 1)} as Envoy</td></tr>
 *   <tr><td>{@code ROUND_ROBIN}</td><td>a shared cursor; weighted round robin when the weights differ</td></tr>
 *   <tr><td>{@code RANDOM}</td><td>weighted random</td></tr>
 *   <tr><td>{@code PASSTHROUGH}</td><td>always index 0; see {@link #isPassthrough}</td></tr>
 *   <tr><td>{@code consistentHash} with {@code maglev}</td><td>Maglev table</td></tr>
 *   <tr><td>{@code consistentHash} otherwise</td><td>hash ring</td></tr>
 * </table>
 *
 * <p>Istio makes {@code simple} and {@code consistentHash} alternatives; if both are present,
 * {@code consistentHash} wins. The hash of a request comes from {@link HashPolicy}. Balancers pick nothing at
 * random themselves: the caller passes the random source.
 */
public final class LoadBalancers {

    private LoadBalancers() {
    }

    /**
     * A new balancer for {@code settings} (null means absent). Call it once per cluster: the balancer keeps that
     * cluster's state (round-robin cursor, hash ring or Maglev table).
     */
    public static LoadBalancer create(DestinationRule.LoadBalancerSettings settings) {
        if (settings == null) {
            return new LeastRequestLb();
        }
        DestinationRule.ConsistentHashLb hash = settings.consistentHash();
        if (hash != null) {
            if (hash.maglev() != null) {
                return new MaglevLb(hash.maglev().tableSize());
            }
            return new RingHashLb(minimumRingSize(hash));
        }
        DestinationRule.SimpleLb simple = settings.simple();
        if (simple == null) {
            return new LeastRequestLb();
        }
        switch (simple) {
            case ROUND_ROBIN:
                return new RoundRobinLb();
            case RANDOM:
                return new RandomLb();
            case PASSTHROUGH:
                return FirstHostLb.INSTANCE;
            default:
                return new LeastRequestLb();
        }
    }

    /**
     * True when {@code settings} asks for {@code PASSTHROUGH}: the caller connects to the request's original
     * destination instead of a balanced endpoint (the balancer {@link #create} returns then always picks index 0,
     * and, being stateless, may be shared).
     */
    public static boolean isPassthrough(DestinationRule.LoadBalancerSettings settings) {
        return settings != null && settings.consistentHash() == null
                && settings.simple() == DestinationRule.SimpleLb.PASSTHROUGH;
    }

    /**
     * The minimum ring size for a ring hash: {@code ringHash.minimumRingSize}, else the deprecated top-level
     * {@code minimumRingSize}, else 1024; zero counts as absent (proto3 default); at most 8M (Envoy's maximum).
     */
    static long minimumRingSize(DestinationRule.ConsistentHashLb hash) {
        Long size = hash.ringHash() != null ? hash.ringHash().minimumRingSize() : null;
        if (size == null || size <= 0) {
            size = hash.minimumRingSize();
        }
        if (size == null || size <= 0) {
            return RingHashLb.DEFAULT_MIN_RING_SIZE;
        }
        return Math.min(size, RingHashLb.MAX_RING_SIZE);
    }
}

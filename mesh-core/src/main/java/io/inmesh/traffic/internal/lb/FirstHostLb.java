package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The balancer of a {@code PASSTHROUGH} destination: the caller connects to the request's original destination and
 * does not balance, so any pick is index 0.
 */
final class FirstHostLb implements LoadBalancer {

    static final FirstHostLb INSTANCE = new FirstHostLb();

    private FirstHostLb() {
    }

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        return 0;
    }
}

package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.random.RandomGenerator;

/** Weighted random: each endpoint with probability weight / sum of weights (uniform when the weights are equal). */
final class RandomLb implements LoadBalancer {

    private final Weights.Cache weights = new Weights.Cache();

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        if (hosts.size() == 1) {
            return 0;
        }
        return weights.get(hosts).pickRandom(random);
    }
}

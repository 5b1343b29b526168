package io.inmesh.traffic.internal.lb;

import io.inmesh.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A fixed endpoint with a fixed number of requests in flight. */
record TestHost(Endpoint endpoint, int activeRequests) implements LbHost {

    static TestHost of(String address, int weight, int active) {
        return new TestHost(new Endpoint(address, 8080, Map.of(), null, weight), active);
    }

    /** {@code n} hosts 10.0.0.1.. with weight 1 and nothing in flight, as an immutable list. */
    static List<TestHost> hosts(int n) {
        List<TestHost> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hosts.add(of("10.0.0." + (i + 1), 1, 0));
        }
        return List.copyOf(hosts);
    }

    /** Hosts with the given weights and nothing in flight. */
    static List<TestHost> weighted(int... weights) {
        List<TestHost> hosts = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            hosts.add(of("10.0.1." + (i + 1), weights[i], 0));
        }
        return List.copyOf(hosts);
    }
}

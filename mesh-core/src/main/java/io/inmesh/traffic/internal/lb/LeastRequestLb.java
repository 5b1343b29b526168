package io.inmesh.traffic.internal.lb;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Least request, as Envoy's {@code LEAST_REQUEST} with its default choice count of two.
 *
 * <ul>
 *   <li>Equal weights: power of two choices. Two distinct endpoints are drawn uniformly; the one with fewer
 *       requests in flight wins. The draw is an ordered pair, so on a tie the first is already a fair coin flip.
 *   <li>Different weights: as Envoy, each endpoint's weight is divided by its load, effective weight
 *       {@code weight / (active + 1)} (Envoy's default {@code active_request_bias} of 1.0), and one endpoint is
 *       drawn with probability proportional to its effective weight. Envoy walks those weights with an EDF
 *       schedule; a weighted draw gives the same shares without a schedule to keep. It costs one pass over the
 *       endpoints per pick.
 * </ul>
 */
final class LeastRequestLb implements LoadBalancer {

    private final Weights.Cache weights = new Weights.Cache();

    @Override
    public int pick(List<? extends LbHost> hosts, long hash, RandomGenerator random) {
        int n = hosts.size();
        if (n == 1) {
            return 0;
        }
        if (weights.get(hosts).uniform) {
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return hosts.get(b).activeRequests() < hosts.get(a).activeRequests() ? b : a;
        }
        return pickWeighted(hosts, n, random);
    }

    private static int pickWeighted(List<? extends LbHost> hosts, int n, RandomGenerator random) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += effectiveWeight(hosts.get(i));
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < n - 1; i++) {
            r -= effectiveWeight(hosts.get(i));
            if (r < 0) {
                return i;
            }
        }
        // Requests in flight change while we read them; whatever is left over belongs to the last endpoint.
        return n - 1;
    }

    private static double effectiveWeight(LbHost host) {
        return host.endpoint().weight() / (Math.max(0, host.activeRequests()) + 1.0);
    }
}

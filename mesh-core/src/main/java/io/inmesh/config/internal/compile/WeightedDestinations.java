package io.inmesh.config.internal.compile;

import java.util.Arrays;
import java.util.List;

/**
 * Destinations of a route with their weights prefix-summed, so that a pick is a binary search. Weights are
 * relative: destination i gets weight(i) / total. A single destination gets everything whatever its weight.
 */
public final class WeightedDestinations {
    private final List<CompiledDestination> destinations;
    private final int[] cumulative;
    private final int total;

    public WeightedDestinations(List<CompiledDestination> destinations, List<Integer> weights) {
        this.destinations = List.copyOf(destinations);
        this.cumulative = new int[destinations.size()];
        int sum = 0;
        for (int i = 0; i < destinations.size(); i++) {
            int w = destinations.size() == 1 ? 1 : Math.max(0, weights.get(i) == null ? 0 : weights.get(i));
            sum = Math.addExact(sum, w);
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    public List<CompiledDestination> destinations() {
        return destinations;
    }

    /** Sum of all weights; picks take a number in [0, total). */
    public int total() {
        return total;
    }

    /** The destination for {@code ticket} in [0, total): the first whose cumulative weight exceeds it. */
    public CompiledDestination pick(int ticket) {
        if (ticket < 0 || ticket >= total) {
            throw new IllegalArgumentException("ticket " + ticket + " outside [0, " + total + ")");
        }
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) { // first index whose cumulative weight exceeds the ticket; zero weights are skipped
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > ticket) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return destinations.get(lo);
    }

    @Override
    public String toString() {
        return "WeightedDestinations" + destinations + " cumulative " + Arrays.toString(cumulative);
    }
}

package io.inmesh.benchmarks.load;

import java.util.Arrays;
import java.util.List;

/** Medians and rounding for the harness's figures. */
final class Stats {
    private Stats() {
    }

    /** The median of the finite values; NaN when there is none. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double median(double... values) {
        return median(Arrays.stream(values).boxed().toList());
    }

    /** {@code x} to one decimal (JSON null for NaN is the caller's business). */
    static double round1(double x) {
        return Math.round(x * 10) / 10.0;
    }

    static double round3(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}

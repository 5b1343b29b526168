package io.inmesh.traffic.internal.lb;

/** Goodness-of-fit helpers for the seeded distribution tests. */
final class Stats {
    private Stats() {
    }

    /** Pearson's chi-square statistic of {@code observed} against one expected count for every cell. */
    static double chiSquare(int[] observed, double expected) {
        double[] e = new double[observed.length];
        java.util.Arrays.fill(e, expected);
        return chiSquare(observed, e);
    }

    /** Pearson's chi-square statistic of {@code observed} against {@code expected}, cell by cell. */
    static double chiSquare(int[] observed, double[] expected) {
        double sum = 0;
        for (int i = 0; i < observed.length; i++) {
            double d = observed[i] - expected[i];
            sum += d * d / expected[i];
        }
        return sum;
    }
}

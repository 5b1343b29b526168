package io.inmesh.config.internal.bind;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" suggestions for misspelt field names and enum values. */
public final class Hints {
    private Hints() {
    }

    /** The closest candidate to {@code given}, or null when none is close enough to be a likely typo. */
    public static String closest(String given, Collection<String> candidates) {
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        String normalizedGiven = normalize(given);
        for (String c : candidates) {
            if (normalize(c).equals(normalizedGiven)) {
                return c; // only case, '_' or '-' differ: retry_on, RetryOn, retry-on -> retryOn
            }
            int d = distance(given.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            int allowed = Math.max(1, Math.min(3, c.length() / 3));
            if (d <= allowed && d < bestScore) {
                best = c;
                bestScore = d;
            }
        }
        return best;
    }

    /** " (did you mean 'x'?)" or an empty string. */
    public static String didYouMean(String given, Collection<String> candidates) {
        String c = closest(given, candidates);
        return c == null ? "" : " (did you mean '" + c + "'?)";
    }

    private static String normalize(String s) {
        return s.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** Optimal string alignment distance: edits, with a swap of neighbours counting once. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}

package io.inmesh.config.internal.bind;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Parses durations as Istio's YAML accepts them: a sequence of decimal numbers with units, such as {@code 1.5s},
 * {@code 100ms}, {@code 1h30m}; units ns, us (or µs), ms, s, m, h.
 */
public final class Durations {
    private Durations() {
    }

    /** The parsed duration, or null when the text is not a valid duration. */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        int i = 0;
        BigDecimal totalNanos = BigDecimal.ZERO;
        int n = text.length();
        while (i < n) {
            int start = i;
            while (i < n && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return null;
            }
            BigDecimal number;
            try {
                number = new BigDecimal(text.substring(start, i));
            } catch (NumberFormatException e) {
                return null;
            }
            int unitStart = i;
            while (i < n && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
                i++;
            }
            long nanosPerUnit = switch (text.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> -1L;
            };
            if (nanosPerUnit < 0) {
                return null;
            }
            totalNanos = totalNanos.add(number.multiply(BigDecimal.valueOf(nanosPerUnit)));
            if (totalNanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                return null;
            }
        }
        return Duration.ofNanos(totalNanos.longValue());
    }

    /** A duration as Istio writes it: {@code 1.5s}, {@code 250ms}, {@code 2m}. */
    public static String format(Duration d) {
        if (d.toNanos() % 1_000_000 != 0) {
            return d.toNanos() + "ns";
        }
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}

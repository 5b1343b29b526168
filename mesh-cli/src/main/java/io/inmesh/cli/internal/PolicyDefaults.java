package io.inmesh.cli.internal;

import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.SimpleLb;
import java.time.Duration;

/**
 * Istio's defaults for settings a DestinationRule or route leaves out (see ISTIO-COMPAT), so that
 * {@code mesh explain} can show what is in force rather than what is written.
 */
final class PolicyDefaults {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final int CONSECUTIVE_5XX = 5;
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Duration BASE_EJECTION_TIME = Duration.ofSeconds(30);
    static final int MAX_EJECTION_PERCENT = 10;
    static final double RETRY_BUDGET_PERCENT = 20;
    static final int RETRY_BUDGET_MIN_CONCURRENCY = 3;
    static final long RING_HASH_MINIMUM_SIZE = 1024;
    static final long MAGLEV_TABLE_SIZE = 65537;
    static final int REDIRECT_CODE = 301;

    private PolicyDefaults() {
    }

    /**
     * The simple load balancer in force: LEAST_REQUEST when none is set (or UNSPECIFIED), and for LEAST_CONN, its
     * deprecated alias.
     */
    static String simple(LoadBalancerSettings lb) {
        SimpleLb s = lb == null ? null : lb.simple();
        if (s == null || s == SimpleLb.UNSPECIFIED || s == SimpleLb.LEAST_CONN) {
            return SimpleLb.LEAST_REQUEST.name();
        }
        return s.name();
    }

    /** The ring size of a ring-hash balancer: {@code ringHash.minimumRingSize}, the deprecated field, or 1024. */
    static long minimumRingSize(ConsistentHashLb ch) {
        if (ch.ringHash() != null && ch.ringHash().minimumRingSize() != null) {
            return ch.ringHash().minimumRingSize();
        }
        return ch.minimumRingSize() != null ? ch.minimumRingSize() : RING_HASH_MINIMUM_SIZE;
    }

    /**
     * A regex replacement compiled for RE2J ({@code $1}, literal {@code \$} and {@code \\}) back in Envoy's syntax as
     * written in the VirtualService ({@code \1}).
     */
    static String envoySubstitution(String re2j) {
        if (re2j == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(re2j.length());
        for (int i = 0; i < re2j.length(); i++) {
            char c = re2j.charAt(i);
            if (c == '$' && i + 1 < re2j.length() && Character.isDigit(re2j.charAt(i + 1))) {
                b.append('\\').append(re2j.charAt(++i));
            } else if (c == '\\' && i + 1 < re2j.length()) {
                b.append(re2j.charAt(++i));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}

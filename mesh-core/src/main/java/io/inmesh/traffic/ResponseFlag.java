package io.inmesh.traffic;

/**
 * Envoy's response flags, as Istio's metrics and access logs carry them. Several may apply to one request; they are
 * written comma-separated in declaration order (for example {@code UF,URX}), or {@code -} for none.
 */
public enum ResponseFlag {
    /** No route: VirtualServices apply to the host but no rule matched. */
    NR,
    /** No cluster: the route names a subset that no DestinationRule defines, or that cannot be selected. */
    NC,
    /** No healthy upstream: every endpoint is missing or ejected. */
    UH,
    /** Upstream connection failure. */
    UF,
    /** Upstream overflow: a connection-pool limit refused the request. */
    UO,
    /** Upstream retry limit exceeded: the last try failed and no retry was left. */
    URX,
    /** Upstream request timeout. */
    UT,
    /** Upstream connection reset or terminated before a complete response. */
    UC,
    /** The request was delayed by fault injection. */
    DI,
    /** The request was aborted by fault injection. */
    FI,
    /** Refused by a local rate limit. */
    RL,
    /** Downstream connection termination: the caller went away before the response was complete. */
    DC;

    private static final ResponseFlag[] VALUES = values();
    private static final String[] TEXT = new String[1 << VALUES.length];

    /** The bit of this flag in a flag set. */
    public int bit() {
        return 1 << ordinal();
    }

    /** The text for a set of flags ({@code UF,URX}, or {@code -} when empty); cached, allocates nothing. */
    public static String format(int flags) {
        if (flags == 0) {
            return "-";
        }
        String s = TEXT[flags];
        if (s == null) {
            StringBuilder b = new StringBuilder();
            for (ResponseFlag f : VALUES) {
                if ((flags & f.bit()) != 0) {
                    if (b.length() > 0) {
                        b.append(',');
                    }
                    b.append(f.name());
                }
            }
            s = b.toString();
            TEXT[flags] = s;
        }
        return s;
    }
}

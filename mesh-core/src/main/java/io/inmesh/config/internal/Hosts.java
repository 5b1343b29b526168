package io.inmesh.config.internal;

import java.util.Locale;

/** Istio's host name resolution: short names complete in the namespace of the resource that names them. */
public final class Hosts {
    private Hosts() {
    }

    /**
     * {@code reviews} in namespace {@code default} is {@code reviews.default.svc.cluster.local}; names with a dot,
     * wildcards and IP addresses stay as written (lower-cased).
     */
    public static String resolve(String host, String namespace, String clusterDomain) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.indexOf('.') >= 0 || h.startsWith("*") || h.indexOf(':') >= 0) {
            return h;
        }
        return h + "." + namespace + ".svc." + clusterDomain;
    }

    /** True when {@code pattern} (exact, {@code *.suffix} or {@code *}) matches the concrete host. */
    public static boolean matches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*")) {
            String suffix = pattern.substring(1);
            return host.endsWith(suffix) && host.length() > suffix.length();
        }
        return pattern.equals(host);
    }
}

package io.inmesh.security;

import io.inmesh.Workload;
import java.util.Locale;
import java.util.Objects;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}. A workload's identity in the mesh has the path
 * {@code /ns/<namespace>/sa/<service-account>}; Istio's AuthorizationPolicy names it as the principal
 * {@code <trust-domain>/ns/<namespace>/sa/<service-account>} (no scheme).
 *
 * @param trustDomain lower-case trust domain, such as {@code cluster.local}
 * @param path        the path, starting with {@code /}, never ending with {@code /}
 */
public record SpiffeId(String trustDomain, String path) {
    /** Istio's default trust domain. */
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    private static final String SCHEME = "spiffe://";

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
        if (trustDomain.isEmpty() || !trustDomain.equals(trustDomain.toLowerCase(Locale.ROOT))
                || !trustDomain.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
                || c == '-' || c == '_')) {
            throw new IllegalArgumentException("trust domain " + quote(trustDomain)
                    + " is not valid: expected lower-case letters, digits, '.', '-' and '_'");
        }
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.contains("/./")
                || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")
                || !path.chars().allMatch(SpiffeId::pathChar)) {
            throw new IllegalArgumentException("SPIFFE ID path " + quote(path) + " is not valid: expected"
                    + " /segment/segment with letters, digits, '.', '-' and '_' in each segment");
        }
    }

    private static boolean pathChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                || c == '_' || c == '/';
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** Parses {@code spiffe://trust-domain/path}. */
    public static SpiffeId parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (!uri.startsWith(SCHEME)) {
            throw new IllegalArgumentException("not a SPIFFE ID (expected spiffe://trust-domain/path): " + quote(uri));
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("SPIFFE ID " + quote(uri) + " has no path: a workload ID is"
                    + " spiffe://trust-domain/ns/NAMESPACE/sa/SERVICE_ACCOUNT");
        }
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0 || rest.indexOf('@') >= 0 || rest.indexOf(':') >= 0) {
            throw new IllegalArgumentException("SPIFFE ID " + quote(uri) + " must not have a port, user info, query"
                    + " or fragment");
        }
        return new SpiffeId(rest.substring(0, slash), rest.substring(slash));
    }

    /** The identity of a workload: {@code spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>}. */
    public static SpiffeId of(String trustDomain, Workload workload) {
        return new SpiffeId(trustDomain, "/ns/" + workload.namespace() + "/sa/" + workload.serviceAccount());
    }

    /** {@code spiffe://trust-domain/path}. */
    public String uri() {
        return SCHEME + trustDomain + path;
    }

    /** Istio's principal: {@code trust-domain/path} without the scheme, as AuthorizationPolicy writes it. */
    public String principal() {
        return trustDomain + path;
    }

    /** The namespace of an Istio workload ID ({@code /ns/NS/sa/SA}), else null. */
    public String namespace() {
        String[] p = path.split("/");
        return p.length == 5 && p[1].equals("ns") && p[3].equals("sa") ? p[2] : null;
    }

    /** The service account of an Istio workload ID ({@code /ns/NS/sa/SA}), else null. */
    public String serviceAccount() {
        String[] p = path.split("/");
        return p.length == 5 && p[1].equals("ns") && p[3].equals("sa") ? p[4] : null;
    }

    @Override
    public String toString() {
        return uri();
    }
}

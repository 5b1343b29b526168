package io.inmesh.security.internal.authz;

import java.util.ArrayList;
import java.util.List;

/**
 * A path with {@code {*}} and {@code {**}} segments (Istio 1.22+ {@code paths}). Istio hands these to Envoy's
 * {@code uri_template} matcher (istio/istio {@code pilot/pkg/security/authz/matcher/template.go} turns {@code {*}}
 * into {@code *} and {@code {**}} into {@code **}); Envoy compiles each template to a full-match regex
 * (envoyproxy/envoy {@code source/extensions/path/uri_template_lib/uri_template_internal.cc}), with:
 * <ul>
 *   <li>{@code {*}}: one segment of at least one character, of the RFC 3986 pchar set without {@code *} and
 *       {@code =}: {@code [a-zA-Z0-9-._~%!$&'()+,;:@]+};</li>
 *   <li>{@code {**}}: the same set plus {@code /}, possibly empty: {@code /api/{**}} matches {@code /api/} and
 *       {@code /api/a/b} but not {@code /api}. Only literal segments may follow it (validation checks that).</li>
 * </ul>
 * Other segments are literals compared exactly. Matching allocates nothing.
 */
final class PathTemplate {

    private static final String ONE = "{*}";
    private static final String ANY = "{**}";

    /** Segments without the leading '/': a literal, or null for ONE; {@link #anyIndex} marks ANY. */
    private final String[] segments;
    private final int anyIndex;
    private final String text;

    private PathTemplate(String[] segments, int anyIndex, String text) {
        this.segments = segments;
        this.anyIndex = anyIndex;
        this.text = text;
    }

    static boolean isTemplate(String path) {
        return path.contains("{") || path.contains("}");
    }

    static PathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("path template " + template + " does not start with /");
        }
        List<String> segs = new ArrayList<>();
        int any = -1;
        String[] parts = template.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.equals(ANY)) {
                if (any >= 0) {
                    throw new IllegalArgumentException("path template " + template + " has {**} twice");
                }
                any = i;
                segs.add(ANY);
            } else if (p.equals(ONE)) {
                if (any >= 0) {
                    throw new IllegalArgumentException("path template " + template + ": {*} after {**}");
                }
                segs.add(null);
            } else if (p.contains("{") || p.contains("}")) {
                throw new IllegalArgumentException("path template " + template + ": bad segment " + p);
            } else {
                segs.add(p);
            }
        }
        return new PathTemplate(segs.toArray(new String[0]), any, template);
    }

    /** True when the normalised {@code path} matches. */
    boolean matches(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        int pos = 1; // start of the current path segment
        int fixedEnd = anyIndex < 0 ? segments.length : anyIndex;
        for (int s = 0; s < fixedEnd; s++) {
            int end = segmentEnd(path, pos);
            if (!segmentMatches(segments[s], path, pos, end)) {
                return false;
            }
            if (s == segments.length - 1) {
                return end == path.length();
            }
            if (end == path.length()) {
                return false; // the template needs more segments
            }
            pos = end + 1;
        }
        if (anyIndex < 0) {
            return false; // unreachable: the loop returns at the last segment
        }
        // {**} then literals: the literals are a fixed suffix "/lit/lit"; between, "[pchar/]*"
        int tailStart = path.length();
        for (int s = segments.length - 1; s > anyIndex; s--) {
            String lit = segments[s];
            int start = tailStart - lit.length();
            if (start - 1 < pos - 1 || !path.startsWith(lit, start) || path.charAt(start - 1) != '/') {
                return false;
            }
            tailStart = start - 1;
        }
        if (tailStart < pos) {
            return false;
        }
        for (int i = pos; i < tailStart; i++) {
            char c = path.charAt(i);
            if (c != '/' && !pchar(c)) {
                return false;
            }
        }
        return true;
    }

    private static int segmentEnd(String path, int from) {
        int slash = path.indexOf('/', from);
        return slash < 0 ? path.length() : slash;
    }

    private static boolean segmentMatches(String literal, String path, int from, int to) {
        if (literal != null) {
            return to - from == literal.length() && path.startsWith(literal, from);
        }
        if (to == from) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!pchar(path.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3986 pchar without '*' and '=', as Envoy's template globs take it. */
    private static boolean pchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~%!$&'()+,;:@".indexOf(c) >= 0;
    }

    @Override
    public String toString() {
        return text;
    }
}

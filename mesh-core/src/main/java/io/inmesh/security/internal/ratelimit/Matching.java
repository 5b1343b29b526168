package io.inmesh.security.internal.ratelimit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Override matching: AuthorizationPolicy-style string patterns and the request path they compare with. */
final class Matching {
    private Matching() {
    }

    /** A value as AuthorizationPolicy writes one: exact, {@code prefix*}, {@code *suffix}, or {@code *} (any). */
    record Pattern(String text) {
        boolean matches(String value) {
            if (value == null) {
                return false;
            }
            if (text.equals("*")) {
                return true;
            }
            if (text.length() > 1 && text.endsWith("*")) {
                return value.startsWith(text.substring(0, text.length() - 1));
            }
            if (text.length() > 1 && text.startsWith("*")) {
                return value.endsWith(text.substring(1));
            }
            return value.equals(text);
        }

        static boolean any(List<Pattern> patterns, String value) {
            for (Pattern p : patterns) {
                if (p.matches(value)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The path overrides compare with, normalized as Envoy does for Istio ({@code normalize_path},
     * {@code merge_slashes}): percent-encoded unreserved characters decoded (others kept, hex upper case), runs of
     * {@code /} merged, {@code .} and {@code ..} segments resolved (RFC 3986 section 5.2.4). So {@code //api} and
     * {@code /x/../%61pi} cannot slip past an override on {@code /api*} into a looser bucket. The query, if any, is
     * cut off.
     */
    static String normalizePath(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        int q = raw.indexOf('?');
        String p = q >= 0 ? raw.substring(0, q) : raw;
        StringBuilder decoded = new StringBuilder(p.length() + 1);
        if (!p.startsWith("/")) {
            decoded.append('/');
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '%' && i + 2 < p.length() && hex(p.charAt(i + 1)) >= 0 && hex(p.charAt(i + 2)) >= 0) {
                char d = (char) (hex(p.charAt(i + 1)) * 16 + hex(p.charAt(i + 2)));
                if (unreserved(d)) {
                    decoded.append(d);
                } else {
                    decoded.append('%').append(Character.toUpperCase(p.charAt(i + 1)))
                            .append(Character.toUpperCase(p.charAt(i + 2)));
                }
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = decoded.toString().split("/", -1);
        boolean trailingSlash = false;
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.isEmpty()) {
                trailingSlash = last && !out.isEmpty();
                continue;
            }
            if (s.equals(".")) {
                trailingSlash = last;
            } else if (s.equals("..")) {
                out.pollLast();
                trailingSlash = last;
            } else {
                out.addLast(s);
                trailingSlash = false;
            }
        }
        StringBuilder b = new StringBuilder(decoded.length());
        for (String s : out) {
            b.append('/').append(s);
        }
        if (b.length() == 0 || trailingSlash) {
            b.append('/');
        }
        return b.toString();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }
}

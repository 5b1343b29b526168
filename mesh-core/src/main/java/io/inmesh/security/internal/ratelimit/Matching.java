package io.inmesh.security.internal.ratelimit;

import io.inmesh.security.internal.authz.PathNormalizer;

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
     * The path overrides compare with: the authorization engine's normalization ({@link PathNormalizer}), so
     * {@code //api} and {@code /x/../%61pi} cannot slip past an override on {@code /api*} into a looser bucket. A
     * path the normalizer rejects is compared as sent; the inbound chain answers it 400 before rate limiting.
     */
    static String normalizePath(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        int q = raw.indexOf('?');
        String p = q >= 0 ? raw.substring(0, q) : raw;
        PathNormalizer.Result r = PathNormalizer.standard().normalize(p.startsWith("/") ? p : "/" + p);
        return r.rejected() ? p : r.path();
    }
}

package io.inmesh.security.internal.jwt;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Claim lookups and the claim map a {@code RequestIdentity} exposes. */
final class Claims {
    /** Claims Istio always treats as space-delimited lists (since 1.21), whatever {@code spaceDelimitedClaims} says. */
    static final Set<String> ALWAYS_SPACE_DELIMITED = Set.of("scope", "permission");

    private Claims() {
    }

    /**
     * The value of a claim: a top-level claim of exactly that name, else a nested one with {@code .} between the
     * names ({@code nested.key.group}), as Envoy's claim lookup and Istio's nested claims do. Null when absent.
     */
    static Object lookup(Map<String, Object> claims, String name) {
        if (claims.containsKey(name)) {
            return claims.get(name);
        }
        Object at = claims;
        for (String part : name.split("\\.", -1)) {
            if (!(at instanceof Map<?, ?> m)) {
                return null;
            }
            at = m.get(part);
        }
        return at;
    }

    /**
     * A header value for a claim, as Istio's {@code outputClaimToHeaders} defines it: strings, integers and
     * booleans only (null otherwise, and the header is left out). A value with control or non-ASCII characters is
     * left out too: it could not be a header value (and a CR LF could split the request).
     */
    static String headerValue(Object v) {
        String s;
        if (v instanceof String str) {
            s = str;
        } else if (v instanceof Boolean b) {
            s = b.toString();
        } else if (v instanceof Long || v instanceof Integer) {
            s = v.toString();
        } else if (v instanceof Number n) {
            BigDecimal d = new BigDecimal(n.toString());
            if (d.stripTrailingZeros().scale() > 0) {
                return null; // not an integer
            }
            s = d.toBigInteger().toString();
        } else {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return null;
            }
        }
        return s;
    }

    /**
     * The claims as the identity exposes them: immutable, top-level nulls dropped, and each space-delimited claim
     * (a string) split on spaces into a list, empty parts skipped, as Envoy's {@code normalize_payload_in_metadata}
     * does for Istio.
     */
    static Map<String, Object> exposed(Map<String, Object> raw, Set<String> spaceDelimited) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            if (e.getValue() != null) {
                out.put(e.getKey(), e.getValue());
            }
        }
        for (String name : spaceDelimited) {
            split(out, name);
        }
        Map<String, Object> frozen = new LinkedHashMap<>();
        out.forEach((k, v) -> frozen.put(k, freeze(v)));
        return Collections.unmodifiableMap(frozen);
    }

    /** Replaces the string at {@code name} (top-level, else a dotted path) in {@code claims} by its parts. */
    @SuppressWarnings("unchecked")
    private static void split(Map<String, Object> claims, String name) {
        if (claims.get(name) instanceof String s) {
            claims.put(name, parts(s));
            return;
        }
        String[] path = name.split("\\.", -1);
        if (path.length < 2) {
            return;
        }
        Map<String, Object> at = claims;
        for (int i = 0; i < path.length - 1; i++) {
            if (!(at.get(path[i]) instanceof Map<?, ?> m)) {
                return;
            }
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
            at.put(path[i], copy);
            at = copy;
        }
        String last = path[path.length - 1];
        if (at.get(last) instanceof String s) {
            at.put(last, parts(s));
        }
    }

    private static List<String> parts(String s) {
        List<String> parts = new ArrayList<>();
        for (String p : s.split(" ")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return List.copyOf(parts);
    }

    private static Object freeze(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, x) -> copy.put(String.valueOf(k), freeze(x)));
            return Collections.unmodifiableMap(copy);
        }
        if (v instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            for (Object x : l) {
                copy.add(freeze(x));
            }
            return Collections.unmodifiableList(copy);
        }
        return v;
    }
}

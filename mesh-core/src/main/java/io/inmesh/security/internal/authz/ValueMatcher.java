package io.inmesh.security.internal.authz;

/**
 * One value of an AuthorizationPolicy field as Istio compiles it (istio/istio
 * {@code pilot/pkg/security/authz/matcher}): {@code *} alone, {@code *suffix}, {@code prefix*}, or an exact value.
 * No regex, and a {@code *} elsewhere is a literal. Matching allocates nothing.
 *
 * <p>{@code *} means "present" for headers, hosts and methods (Envoy's {@code present_match}), and "present and not
 * empty" for everything Istio compiles through {@code StringMatcher} (principals, paths, SNI, claims: the regex
 * {@code .+}); {@link #of} takes which.
 */
final class ValueMatcher {

    enum Kind { EXACT, PREFIX, SUFFIX, PRESENT, NON_EMPTY }

    private final Kind kind;
    private final String value;
    private final boolean ignoreCase;
    /** {@code value} up to its first {@code /}, and from there: how a principal splits into trust domain and path. */
    private final String head;
    private final String tail;

    private ValueMatcher(Kind kind, String value, boolean ignoreCase) {
        this.kind = kind;
        this.value = value;
        this.ignoreCase = ignoreCase;
        int slash = value.indexOf('/');
        this.head = slash < 0 ? value : value.substring(0, slash);
        this.tail = slash < 0 ? "" : value.substring(slash);
    }

    /**
     * @param v            the policy's value
     * @param ignoreCase   compare case-insensitively (hosts)
     * @param starIsEmptyOk whether {@code *} accepts an empty value (header presence) or needs one character
     */
    static ValueMatcher of(String v, boolean ignoreCase, boolean starIsEmptyOk) {
        if (v.equals("*")) {
            return new ValueMatcher(starIsEmptyOk ? Kind.PRESENT : Kind.NON_EMPTY, "", ignoreCase);
        }
        if (v.startsWith("*")) {
            return new ValueMatcher(Kind.SUFFIX, v.substring(1), ignoreCase);
        }
        if (v.endsWith("*")) {
            return new ValueMatcher(Kind.PREFIX, v.substring(0, v.length() - 1), ignoreCase);
        }
        return new ValueMatcher(Kind.EXACT, v, ignoreCase);
    }

    static ValueMatcher exact(String v) {
        return new ValueMatcher(Kind.EXACT, v, false);
    }

    static ValueMatcher prefix(String v) {
        return new ValueMatcher(Kind.PREFIX, v, false);
    }

    static ValueMatcher suffix(String v) {
        return new ValueMatcher(Kind.SUFFIX, v, false);
    }

    static ValueMatcher nonEmpty() {
        return new ValueMatcher(Kind.NON_EMPTY, "", false);
    }

    Kind kind() {
        return kind;
    }

    /** True when {@code s} (null: absent) matches. */
    boolean matches(String s) {
        return s != null && matches(s, 0, s.length());
    }

    /** True when {@code s.substring(from, to)} matches; allocates nothing. */
    boolean matches(String s, int from, int to) {
        int len = to - from;
        return switch (kind) {
            case PRESENT -> true;
            case NON_EMPTY -> len > 0;
            case EXACT -> len == value.length() && region(s, from, 0, len);
            case PREFIX -> len >= value.length() && region(s, from, 0, value.length());
            case SUFFIX -> len >= value.length()
                    && region(s, to - value.length(), 0, value.length());
        };
    }

    /** True when the concatenation {@code a + b} matches, without building it (principals: trust domain + path). */
    boolean matchesConcat(String a, String b) {
        int len = a.length() + b.length();
        int v = value.length();
        if (!ignoreCase && a.length() == head.length()) {
            // the value splits where a ends (a trust domain ends at the principal's first '/'): two whole-string
            // comparisons, which take String's vectorized equals, instead of one region compared char by char
            switch (kind) {
                case EXACT:
                    return len == v && a.equals(head) && b.equals(tail);
                case PREFIX:
                    return a.equals(head) && b.startsWith(tail);
                default:
                    break;
            }
        }
        return switch (kind) {
            case PRESENT -> true;
            case NON_EMPTY -> len > 0;
            case EXACT -> len == v && concatRegion(a, b, 0, v);
            case PREFIX -> len >= v && concatRegion(a, b, 0, v);
            case SUFFIX -> len >= v && concatRegion(a, b, len - v, v);
        };
    }

    /**
     * Whether {@code s[from, from + count)} equals {@code value[vFrom, vFrom + count)}; ignoring case folds ASCII
     * letters only, as Envoy does ({@code String.regionMatches} would also fold, say, the Kelvin sign into k).
     */
    private boolean region(String s, int from, int vFrom, int count) {
        if (from < 0 || from + count > s.length() || vFrom + count > value.length()) {
            return false;
        }
        boolean whole = vFrom == 0 && count == value.length();
        if (!ignoreCase) {
            // whole-value comparisons take String's vectorized paths; regionMatches compares char by char
            if (whole) {
                return from == 0 && count == s.length() ? s.equals(value) : s.startsWith(value, from);
            }
            return s.regionMatches(from, value, vFrom, count);
        }
        // the same case (host names are nearly always lower case) needs no folding
        if (whole && (from == 0 && count == s.length() ? s.equals(value) : s.startsWith(value, from))) {
            return true;
        }
        for (int i = 0; i < count; i++) {
            char a = s.charAt(from + i);
            char b = value.charAt(vFrom + i);
            if (a != b && asciiLower(a) != asciiLower(b)) {
                return false;
            }
        }
        return true;
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Whether {@code (a + b)[start, start + count)} equals {@code value[0, count)}. */
    private boolean concatRegion(String a, String b, int start, int count) {
        int inA = Math.max(0, Math.min(count, a.length() - start));
        if (inA > 0 && !region(a, start, 0, inA)) {
            return false;
        }
        int bStart = Math.max(0, start - a.length());
        return region(b, bStart, inA, count - inA);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case PRESENT, NON_EMPTY -> "*";
            case EXACT -> value;
            case PREFIX -> value + "*";
            case SUFFIX -> "*" + value;
        };
    }
}

package io.inmesh.config.internal.compile;

import com.google.re2j.Pattern;
import io.inmesh.config.StringMatch;

/**
 * A compiled {@link StringMatch}: exact, prefix, RE2 regex (full match) or mere presence. Immutable and
 * thread-safe; {@link #matches} allocates nothing for exact, prefix and presence.
 */
public abstract sealed class StringMatcher {

    /** True when {@code value} (null: absent) satisfies the match. */
    public abstract boolean matches(String value);

    /**
     * For a URI match, the length of the path prefix that {@code rewrite.uri} replaces: the prefix's length for a
     * prefix match, -1 (the whole path) otherwise.
     */
    public int rewritePrefixLength() {
        return -1;
    }

    /** The value an exact, case-sensitive match requires, else null (for indexing rules). */
    public String exactValue() {
        return null;
    }

    /**
     * A literal prefix every matching value starts with (case-sensitive), else null: the prefix of a prefix match,
     * the literal start of a regex (for indexing rules and for rejecting values before running the regex).
     */
    public String requiredPrefix() {
        return null;
    }

    /** Compiles a match; an empty match (headers {@code {}}) means "present". */
    public static StringMatcher of(StringMatch m, boolean ignoreCase) {
        if (m == null || (m.exact() == null && m.prefix() == null && m.regex() == null)) {
            return Present.INSTANCE;
        }
        if (m.exact() != null) {
            return new Exact(m.exact(), ignoreCase);
        }
        if (m.prefix() != null) {
            return new Prefix(m.prefix(), ignoreCase);
        }
        return new Regex(Pattern.compile(m.regex()));
    }

    static final class Present extends StringMatcher {
        static final Present INSTANCE = new Present();

        @Override
        public boolean matches(String value) {
            return value != null;
        }

        @Override
        public String toString() {
            return "present";
        }
    }

    static final class Exact extends StringMatcher {
        private final String expected;
        private final boolean ignoreCase;

        Exact(String expected, boolean ignoreCase) {
            this.expected = expected;
            this.ignoreCase = ignoreCase;
        }

        @Override
        public boolean matches(String value) {
            return value != null && (ignoreCase ? expected.equalsIgnoreCase(value) : expected.equals(value));
        }

        @Override
        public String exactValue() {
            return ignoreCase ? null : expected;
        }

        @Override
        public String toString() {
            return "exact " + expected;
        }
    }

    static final class Prefix extends StringMatcher {
        private final String prefix;
        private final boolean ignoreCase;

        Prefix(String prefix, boolean ignoreCase) {
            this.prefix = prefix;
            this.ignoreCase = ignoreCase;
        }

        @Override
        public boolean matches(String value) {
            return value != null && value.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }

        @Override
        public int rewritePrefixLength() {
            return prefix.length();
        }

        @Override
        public String requiredPrefix() {
            return ignoreCase ? null : prefix;
        }

        @Override
        public String toString() {
            return "prefix " + prefix;
        }
    }

    static final class Regex extends StringMatcher {
        private final Pattern pattern;
        private final String literalPrefix;

        Regex(Pattern pattern) {
            this.pattern = pattern;
            this.literalPrefix = literalPrefix(pattern.pattern());
        }

        @Override
        public boolean matches(String value) {
            // the literal prefix rejects most values without running (and allocating in) the regex engine
            return value != null && value.startsWith(literalPrefix) && pattern.matches(value);
        }

        @Override
        public String requiredPrefix() {
            return literalPrefix.isEmpty() ? null : literalPrefix;
        }

        @Override
        public String toString() {
            return "regex " + pattern.pattern();
        }
    }

    /**
     * The literal text a full match of {@code regex} must start with: the characters before the first
     * metacharacter, less a last character that a quantifier makes optional. Empty when unsure (alternation,
     * flags, a leading group or class).
     */
    static String literalPrefix(String regex) {
        if (regex.indexOf('|') >= 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        int n = regex.length();
        while (i < n) {
            char c = regex.charAt(i);
            char literal;
            int next;
            if (c == '\\') {
                if (i + 1 >= n) {
                    break;
                }
                char e = regex.charAt(i + 1);
                if (Character.isLetterOrDigit(e)) {
                    break; // \d, \w, \Q, \1 ...: not a literal character
                }
                literal = e;
                next = i + 2;
            } else if (".[]{}()*+?^$".indexOf(c) >= 0) {
                break;
            } else {
                literal = c;
                next = i + 1;
            }
            if (next < n && "?*{".indexOf(regex.charAt(next)) >= 0) {
                break; // the character may be absent or repeated: stop before it
            }
            b.append(literal);
            if (next < n && regex.charAt(next) == '+') {
                break; // present at least once; what follows is not literal
            }
            i = next;
        }
        return b.toString();
    }
}

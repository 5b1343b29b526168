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
        public String toString() {
            return "prefix " + prefix;
        }
    }

    static final class Regex extends StringMatcher {
        private final Pattern pattern;

        Regex(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        public boolean matches(String value) {
            return value != null && pattern.matches(value);
        }

        @Override
        public String toString() {
            return "regex " + pattern.pattern();
        }
    }
}

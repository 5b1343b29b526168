package io.inmesh.cli.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Option values the request-deciding commands ({@code explain}, {@code authorize}) read alike, checked alike. */
final class OptionValues {
    /** An HTTP token (RFC 9110): method and header names. */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** A Kubernetes namespace name. */
    static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** A label name, or a label value when not empty. */
    static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    /** The DNS prefix of a label key ({@code example.com/} in {@code example.com/tier}). */
    static final Pattern LABEL_PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private OptionValues() {
    }

    /** Refuses {@code --flag=value} for a flag that takes none. */
    static void noValue(String command, String name, String value) throws UsageException {
        if (value != null) {
            throw new UsageException(command, "unknown option '" + name + "=" + Cli.printable(value)
                    + "' (" + name + " takes no value)");
        }
    }

    /** The argument after {@code option}, or a usage error naming what it should be. */
    static String next(String command, List<String> args, int i, String option, String what)
            throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(command, "option '" + option + "' needs a value: " + what);
        }
        return args.get(i);
    }

    static String namespace(String command, String ns) throws UsageException {
        if (!NAMESPACE.matcher(ns).matches()) {
            throw new UsageException(command, "bad namespace '" + Cli.printable(ns) + "': expected a Kubernetes"
                    + " namespace name (lower-case letters, digits and '-', at most 63)");
        }
        return ns;
    }

    /** Adds the {@code k=v,k=v} pairs of {@code list} (given with {@code option}) to {@code into}. */
    static void labels(String command, String option, String list, Map<String, String> into) throws UsageException {
        for (String pair : list.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new UsageException(command, "bad label pair '" + Cli.printable(pair) + "' in " + option
                        + " '" + Cli.printable(list) + "': expected key=value");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (!labelKey(key)) {
                throw new UsageException(command, "bad label pair '" + Cli.printable(pair) + "' in " + option + ":"
                        + " '" + Cli.printable(key) + "' is not a label key (such as app or example.com/tier)");
            }
            if (!value.isEmpty() && !LABEL_NAME.matcher(value).matches()) {
                throw new UsageException(command, "bad label pair '" + Cli.printable(pair) + "' in " + option + ":"
                        + " '" + Cli.printable(value) + "' is not a label value (at most 63 letters, digits, '-',"
                        + " '_' and '.', alphanumeric at both ends)");
            }
            String before = into.putIfAbsent(key, value);
            if (before != null && !before.equals(value)) {
                throw new UsageException(command, "label '" + Cli.printable(key) + "' given twice, as '"
                        + Cli.printable(before) + "' and '" + Cli.printable(value) + "'");
            }
        }
    }

    private static boolean labelKey(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) {
            return LABEL_NAME.matcher(key).matches();
        }
        return LABEL_PREFIX.matcher(key.substring(0, slash)).matches()
                && LABEL_NAME.matcher(key.substring(slash + 1)).matches();
    }

    /** {@code -H 'Name: value'} as {name (as written), value}. */
    static String[] header(String command, String h) throws UsageException {
        int colon = h.indexOf(':');
        if (colon < 0) {
            throw new UsageException(command, "bad header '" + Cli.printable(h) + "' for -H: expected"
                    + " 'Name: value' with a colon");
        }
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).strip();
        if (!TOKEN.matcher(name).matches()) {
            throw new UsageException(command, "bad header '" + Cli.printable(h) + "' for -H: "
                    + (name.isEmpty() ? "the name before ':' is empty" : "'" + Cli.printable(name)
                    + "' is not a header name"));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new UsageException(command, "bad header '" + Cli.printable(h) + "' for -H: the value holds"
                        + " a line break or NUL");
            }
        }
        return new String[] {name, value};
    }

    /** An HTTP method, upper case. */
    static String method(String command, String m) throws UsageException {
        if (!TOKEN.matcher(m).matches()) {
            throw new UsageException(command, "bad METHOD '" + Cli.printable(m) + "': expected an HTTP method"
                    + " such as GET or POST");
        }
        return m.toUpperCase(Locale.ROOT);
    }
}

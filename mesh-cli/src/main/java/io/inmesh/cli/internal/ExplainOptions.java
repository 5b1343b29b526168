package io.inmesh.cli.internal;

import io.inmesh.traffic.SimpleRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The arguments of {@code mesh explain}.
 *
 * @param help      {@code --help} was given: show the usage and do nothing else
 * @param json      print one JSON object instead of text
 * @param configs   the files and directories to read, as given
 * @param namespace the caller's namespace
 * @param labels    the caller's labels, in the order given
 * @param headers   the request headers, names as given, in the order given (the first of a repeated name counts)
 * @param method    the HTTP method, upper case
 * @param url       the absolute http or https URL, as given
 * @param request   the request built from method, URL and headers; null with {@code help}
 */
record ExplainOptions(boolean help, boolean json, List<String> configs, String namespace, Map<String, String> labels,
                      Map<String, String> headers, String method, String url, SimpleRequest request) {

    static final String DEFAULT_NAMESPACE = "default";

    private static final String COMMAND = "explain";
    /** RFC 9110 token: methods and header names. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** A Kubernetes namespace: an RFC 1123 label. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** A label name, or value when not empty: 63 characters at most, alphanumeric at both ends. */
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    /** The optional prefix of a label key: a DNS subdomain. */
    private static final Pattern LABEL_PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    ExplainOptions {
        configs = List.copyOf(configs);
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** Parses the arguments after {@code explain}. Options and METHOD URL may be mixed until {@code --}. */
    static ExplainOptions parse(List<String> args) throws UsageException {
        boolean json = false;
        List<String> configs = new ArrayList<>();
        String namespace = null;
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (optionsEnded || a.equals("-") || !a.startsWith("-")) {
                positional.add(a);
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--" -> {
                    noValue(name, value);
                    optionsEnded = true;
                }
                case "--json" -> {
                    noValue(name, value);
                    json = true;
                }
                case "-h", "--help" -> {
                    noValue(name, value);
                    return new ExplainOptions(true, json, configs, DEFAULT_NAMESPACE, labels, headers, null, null,
                            null);
                }
                case "--config" -> {
                    String path = value != null ? value : next(args, ++i, a, "a file or directory");
                    if (path.isEmpty()) {
                        throw new UsageException(COMMAND, "an empty path was given to " + name);
                    }
                    configs.add(path);
                }
                case "-n", "--namespace" -> {
                    String ns = value != null ? value : next(args, ++i, a, "a namespace");
                    if (namespace != null && !namespace.equals(ns)) {
                        throw new UsageException(COMMAND, "namespace given twice ('" + Cli.printable(namespace)
                                + "' and '" + Cli.printable(ns) + "'): the caller is in one namespace");
                    }
                    namespace = namespace(ns);
                }
                case "--source-labels" -> labels(value != null ? value : next(args, ++i, a, "key=value,..."),
                        labels);
                case "-H", "--header" -> header(value != null ? value : next(args, ++i, a, "'Name: value'"), headers);
                default -> throw new UsageException(COMMAND, "unknown option '" + Cli.printable(a) + "'");
            }
        }
        if (configs.isEmpty()) {
            throw new UsageException(COMMAND, "no --config given: name the configuration with --config PATH"
                    + " (a file or a directory)");
        }
        if (positional.isEmpty()) {
            throw new UsageException(COMMAND, "missing METHOD and URL (as in 'GET http://reviews:9080/')");
        }
        if (positional.size() == 1) {
            String only = positional.get(0);
            throw new UsageException(COMMAND, only.contains("://")
                    ? "missing METHOD before URL '" + Cli.printable(only) + "' (as in 'GET " + Cli.printable(only) + "')"
                    : "missing URL after METHOD '" + Cli.printable(only) + "' (as in '" + Cli.printable(only)
                    + " http://reviews:9080/')");
        }
        if (positional.size() > 2) {
            throw new UsageException(COMMAND, "unexpected argument '" + Cli.printable(positional.get(2))
                    + "': only METHOD and URL are expected (quote a header value: -H 'Name: value')");
        }
        String method = method(positional.get(0));
        String url = positional.get(1);
        SimpleRequest request = request(method, url, headers);
        return new ExplainOptions(false, json, configs, namespace == null ? DEFAULT_NAMESPACE : namespace, labels,
                headers, method, url, request);
    }

    private static void noValue(String name, String value) throws UsageException {
        if (value != null) {
            throw new UsageException(COMMAND, "unknown option '" + name + "=" + Cli.printable(value)
                    + "' (" + name + " takes no value)");
        }
    }

    private static String next(List<String> args, int i, String option, String what) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(COMMAND, "option '" + option + "' needs a value: " + what);
        }
        return args.get(i);
    }

    private static String namespace(String ns) throws UsageException {
        if (!NAMESPACE.matcher(ns).matches()) {
            throw new UsageException(COMMAND, "bad namespace '" + Cli.printable(ns) + "': expected a Kubernetes"
                    + " namespace name (lower-case letters, digits and '-', at most 63)");
        }
        return ns;
    }

    private static void labels(String list, Map<String, String> into) throws UsageException {
        for (String pair : list.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new UsageException(COMMAND, "bad label pair '" + Cli.printable(pair) + "' in --source-labels"
                        + " '" + Cli.printable(list) + "': expected key=value");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (!labelKey(key)) {
                throw new UsageException(COMMAND, "bad label pair '" + Cli.printable(pair) + "' in --source-labels:"
                        + " '" + Cli.printable(key) + "' is not a label key (such as app or example.com/tier)");
            }
            if (!value.isEmpty() && !LABEL_NAME.matcher(value).matches()) {
                throw new UsageException(COMMAND, "bad label pair '" + Cli.printable(pair) + "' in --source-labels:"
                        + " '" + Cli.printable(value) + "' is not a label value (at most 63 letters, digits, '-',"
                        + " '_' and '.', alphanumeric at both ends)");
            }
            String before = into.putIfAbsent(key, value);
            if (before != null && !before.equals(value)) {
                throw new UsageException(COMMAND, "label '" + Cli.printable(key) + "' given twice, as '"
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

    private static void header(String h, Map<String, String> into) throws UsageException {
        int colon = h.indexOf(':');
        if (colon < 0) {
            throw new UsageException(COMMAND, "bad header '" + Cli.printable(h) + "' for -H: expected"
                    + " 'Name: value' with a colon");
        }
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).strip();
        if (!TOKEN.matcher(name).matches()) {
            throw new UsageException(COMMAND, "bad header '" + Cli.printable(h) + "' for -H: "
                    + (name.isEmpty() ? "the name before ':' is empty" : "'" + Cli.printable(name)
                    + "' is not a header name"));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new UsageException(COMMAND, "bad header '" + Cli.printable(h) + "' for -H: the value holds"
                        + " a line break or NUL");
            }
        }
        into.putIfAbsent(name, value); // as a server reads a repeated header: the first value
    }

    private static String method(String m) throws UsageException {
        if (!TOKEN.matcher(m).matches()) {
            throw new UsageException(COMMAND, "bad METHOD '" + Cli.printable(m) + "': expected an HTTP method"
                    + " such as GET or POST");
        }
        return m.toUpperCase(Locale.ROOT);
    }

    private static SimpleRequest request(String method, String url, Map<String, String> headers)
            throws UsageException {
        String why;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme == null) {
                why = "not absolute: give the scheme and host, as in http://reviews:9080/";
            } else if (!scheme.equals("http") && !scheme.equals("https")) {
                why = "scheme '" + Cli.printable(uri.getScheme()) + "' is not http or https";
            } else if (uri.getHost() == null) {
                why = "no host" + (uri.getRawAuthority() == null ? "" : " in '"
                        + Cli.printable(uri.getRawAuthority()) + "'") + " (expected a name such as reviews,"
                        + " reviews.shop or an IP address)";
            } else if (uri.getPort() == 0 || uri.getPort() > 65535) {
                why = "port " + uri.getPort() + " is outside 1..65535";
            } else {
                return SimpleRequest.of(method, url, headers);
            }
        } catch (URISyntaxException e) {
            why = e.getReason().toLowerCase(Locale.ROOT) + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "");
        } catch (IllegalArgumentException e) { // SimpleRequest: what it refuses beyond java.net.URI
            why = e.getMessage() == null ? "not usable" : e.getMessage();
        }
        throw new UsageException(COMMAND, "bad URL '" + Cli.printable(url) + "': " + Text.escapeControls(why));
    }
}

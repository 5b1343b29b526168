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
                    OptionValues.noValue(COMMAND, name, value);
                    optionsEnded = true;
                }
                case "--json" -> {
                    OptionValues.noValue(COMMAND, name, value);
                    json = true;
                }
                case "-h", "--help" -> {
                    OptionValues.noValue(COMMAND, name, value);
                    return new ExplainOptions(true, json, configs, DEFAULT_NAMESPACE, labels, headers, null, null,
                            null);
                }
                case "--config" -> {
                    String path = value != null ? value
                            : OptionValues.next(COMMAND, args, ++i, a, "a file or directory");
                    if (path.isEmpty()) {
                        throw new UsageException(COMMAND, "an empty path was given to " + name);
                    }
                    configs.add(path);
                }
                case "-n", "--namespace" -> {
                    String ns = value != null ? value : OptionValues.next(COMMAND, args, ++i, a, "a namespace");
                    if (namespace != null && !namespace.equals(ns)) {
                        throw new UsageException(COMMAND, "namespace given twice ('" + Cli.printable(namespace)
                                + "' and '" + Cli.printable(ns) + "'): the caller is in one namespace");
                    }
                    namespace = OptionValues.namespace(COMMAND, ns);
                }
                case "--source-labels" -> OptionValues.labels(COMMAND, "--source-labels", value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "key=value,..."),
                        labels);
                case "-H", "--header" -> header(value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "'Name: value'"), headers);
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
        String method = OptionValues.method(COMMAND, positional.get(0));
        String url = positional.get(1);
        SimpleRequest request = request(method, url, headers);
        return new ExplainOptions(false, json, configs, namespace == null ? DEFAULT_NAMESPACE : namespace, labels,
                headers, method, url, request);
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

    private static void header(String h, Map<String, String> into) throws UsageException {
        String[] nv = OptionValues.header(COMMAND, h);
        into.putIfAbsent(nv[0], nv[1]); // as a server reads a repeated header: the first value
    }
}

package io.inmesh.cli.internal;

import io.inmesh.security.RequestIdentity;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.authz.StaticInboundRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The arguments of {@code mesh authorize}.
 *
 * @param help      {@code --help} was given: show the usage and do nothing else
 * @param json      print one JSON object instead of text
 * @param configs   the files and directories to read, as given
 * @param namespace the workload's namespace
 * @param labels    the workload's labels, in the order given
 * @param port      the port the request arrives at
 * @param request   the inbound request; null with {@code help}
 * @param identity  the JWT identity ({@code --request-principal}, {@code --claim}), or null
 */
record AuthorizeOptions(boolean help, boolean json, List<String> configs, String namespace, Map<String, String> labels,
                        int port, StaticInboundRequest request, RequestIdentity identity) {

    static final String DEFAULT_NAMESPACE = "default";
    static final String DEFAULT_SOURCE_IP = "127.0.0.1";

    private static final String COMMAND = "authorize";
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    /** A Host value: a name or an IPv4 address, or a bracketed IPv6 address, with an optional port. */
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9_.~!$&'()*+,;=%-]+|\\[[0-9A-Fa-f:.]+\\])"
            + "(:[0-9]{1,5})?");

    AuthorizeOptions {
        configs = List.copyOf(configs);
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** Parses the arguments after {@code authorize}. Options and METHOD PATH may be mixed until {@code --}. */
    static AuthorizeOptions parse(List<String> args) throws UsageException {
        boolean json = false;
        List<String> configs = new ArrayList<>();
        String namespace = null;
        Map<String, String> labels = new LinkedHashMap<>();
        Integer port = null;
        String host = null;
        SpiffeId peer = null;
        String sourceIp = null;
        String requestPrincipal = null;
        List<String[]> claims = new ArrayList<>();
        List<String[]> headers = new ArrayList<>();
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
                    return new AuthorizeOptions(true, json, configs, DEFAULT_NAMESPACE, labels, 0, null, null);
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
                    String ns = OptionValues.namespace(COMMAND, value != null ? value
                            : OptionValues.next(COMMAND, args, ++i, a, "a namespace"));
                    if (namespace != null && !namespace.equals(ns)) {
                        throw new UsageException(COMMAND, "namespace given twice ('" + Cli.printable(namespace)
                                + "' and '" + Cli.printable(ns) + "'): the workload is in one namespace");
                    }
                    namespace = ns;
                }
                case "--workload-labels" -> OptionValues.labels(COMMAND, "--workload-labels", value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "key=value,..."),
                        labels);
                case "--port" -> port = once(port, port(value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "a port")), name);
                case "--host" -> host = once(host, host(value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "a host")), name);
                case "--principal" -> peer = once(peer,
                        principal(value != null ? value
                                : OptionValues.next(COMMAND, args, ++i, a, "TRUST_DOMAIN/ns/NS/sa/SA")), name);
                case "--source-ip" -> sourceIp = once(sourceIp,
                        ip(value != null ? value : OptionValues.next(COMMAND, args, ++i, a, "an IP address")), name);
                case "--request-principal" -> requestPrincipal = once(requestPrincipal,
                        requestPrincipal(value != null ? value
                                : OptionValues.next(COMMAND, args, ++i, a, "ISSUER/SUBJECT")), name);
                case "--claim" -> claims.add(claim(value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a, "NAME=VALUE")));
                case "-H", "--header" -> headers.add(header(value != null ? value
                        : OptionValues.next(COMMAND, args, ++i, a,
                        "'Name: value'")));
                default -> throw new UsageException(COMMAND, "unknown option '" + Cli.printable(a) + "'");
            }
        }
        if (configs.isEmpty()) {
            throw new UsageException(COMMAND, "no --config given: name the configuration with --config PATH"
                    + " (a file or a directory)");
        }
        if (positional.isEmpty()) {
            throw new UsageException(COMMAND, "missing METHOD and PATH (as in 'GET /productpage')");
        }
        if (positional.size() == 1) {
            String only = positional.get(0);
            throw new UsageException(COMMAND, only.startsWith("/")
                    ? "missing METHOD before PATH '" + Cli.printable(only) + "' (as in 'GET " + Cli.printable(only)
                    + "')"
                    : "missing PATH after METHOD '" + Cli.printable(only) + "' (as in '" + Cli.printable(only)
                    + " /productpage')");
        }
        if (positional.size() > 2) {
            throw new UsageException(COMMAND, "unexpected argument '" + Cli.printable(positional.get(2))
                    + "': only METHOD and PATH are expected (quote a header value: -H 'Name: value')");
        }
        if (!claims.isEmpty() && requestPrincipal == null) {
            throw new UsageException(COMMAND, "--claim needs --request-principal ISSUER/SUBJECT: claims come from"
                    + " a verified JWT, which always has an issuer and a subject");
        }
        String method = OptionValues.method(COMMAND, positional.get(0));
        String path = path(positional.get(1));
        int destinationPort = port != null ? port : hostPort(host);

        StaticInboundRequest.Builder b = StaticInboundRequest.builder().method(method).path(path)
                .destinationPort(destinationPort).peer(peer).sourceIp(sourceIp == null ? DEFAULT_SOURCE_IP : sourceIp)
                .host(host);
        for (String[] h : headers) {
            b.header(h[0], h[1]);
        }
        RequestIdentity identity = requestPrincipal == null ? null : identity(requestPrincipal, claims);
        return new AuthorizeOptions(false, json, configs, namespace == null ? DEFAULT_NAMESPACE : namespace, labels,
                destinationPort, b.build(), identity);
    }

    private static <T> T once(T before, T now, String option) throws UsageException {
        if (before != null && !before.equals(now)) {
            throw new UsageException(COMMAND, "option '" + option + "' given twice ('" + Cli.printable(
                    String.valueOf(before)) + "' and '" + Cli.printable(String.valueOf(now)) + "')");
        }
        return now;
    }

    private static Integer port(String p) throws UsageException {
        int n;
        try {
            n = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 65535 || !p.chars().allMatch(Character::isDigit)) {
            throw new UsageException(COMMAND, "bad port '" + Cli.printable(p) + "': expected 1 to 65535");
        }
        return n;
    }

    private static String host(String h) throws UsageException {
        if (!HOST.matcher(h).matches()) {
            throw new UsageException(COMMAND, "bad host '" + Cli.printable(h) + "': expected a Host header value"
                    + " such as reviews, reviews.shop.svc.cluster.local:9080 or [::1]:8080");
        }
        return h;
    }

    /** The port of a Host value, else 80. */
    private static int hostPort(String host) throws UsageException {
        if (host != null) {
            int colon = host.lastIndexOf(':');
            if (colon > 0 && host.indexOf(']', colon) < 0) {
                return port(host.substring(colon + 1));
            }
        }
        return 80;
    }

    private static SpiffeId principal(String p) throws UsageException {
        String uri = p.startsWith("spiffe://") ? p : "spiffe://" + p;
        try {
            return SpiffeId.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new UsageException(COMMAND, "bad --principal '" + Cli.printable(p) + "': expected"
                    + " TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT, as in cluster.local/ns/default/sa/sleep ("
                    + Text.escapeControls(e.getMessage()) + ")");
        }
    }

    private static String ip(String ip) throws UsageException {
        if (IPV4.matcher(ip).matches()) {
            return ip;
        }
        if (ip.contains(":") && IPV6_CHARS.matcher(ip).matches()) {
            try {
                java.net.InetAddress.getByName(ip); // only hex digits, ':' and '.': parsed, never looked up
                return ip;
            } catch (java.net.UnknownHostException | SecurityException e) {
                // below
            }
        }
        throw new UsageException(COMMAND, "bad --source-ip '" + Cli.printable(ip) + "': expected an IPv4 or IPv6"
                + " address such as 10.1.2.3 or 2001:db8::7");
    }

    private static String requestPrincipal(String rp) throws UsageException {
        int slash = rp.lastIndexOf('/');
        if (slash <= 0 || slash == rp.length() - 1 || hasControl(rp)) {
            throw new UsageException(COMMAND, "bad --request-principal '" + Cli.printable(rp) + "': expected"
                    + " ISSUER/SUBJECT, the JWT's iss and sub claims joined by '/', as in"
                    + " testing@secure.istio.io/testing@secure.istio.io");
        }
        return rp;
    }

    /** NAME=VALUE; NAME may go into nested claims as Istio writes them: {@code realm_access][roles}. */
    private static String[] claim(String c) throws UsageException {
        int eq = c.indexOf('=');
        String name = eq < 0 ? "" : c.substring(0, eq);
        if (eq <= 0 || hasControl(c) || List.of(name.split("\\]\\[", -1)).contains("")) {
            throw new UsageException(COMMAND, "bad --claim '" + Cli.printable(c) + "': expected NAME=VALUE, as in"
                    + " groups=admin (repeat a name for a list; nested claims as realm_access][roles=reader)");
        }
        return new String[] {name, c.substring(eq + 1)};
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    private static String path(String p) throws UsageException {
        if (!p.startsWith("/") && !p.startsWith("\\")) {
            throw new UsageException(COMMAND, "bad PATH '" + Cli.printable(p) + "': expected a request path"
                    + " starting with '/', as sent (percent-encoded), such as /api/v1/items?page=2");
        }
        return p;
    }

    /** The JWT identity: iss and sub from the request principal, the claims given (repeated names: a list). */
    private static RequestIdentity identity(String requestPrincipal, List<String[]> claims) {
        int slash = requestPrincipal.lastIndexOf('/');
        String iss = requestPrincipal.substring(0, slash);
        String sub = requestPrincipal.substring(slash + 1);
        Map<String, Object> all = new LinkedHashMap<>();
        for (String[] c : claims) {
            String[] path = c[0].split("\\]\\[", -1);
            Map<String, Object> at = all;
            for (int i = 0; i < path.length - 1; i++) {
                Object next = at.get(path[i]);
                if (!(next instanceof Map)) {
                    Map<String, Object> created = new LinkedHashMap<>();
                    at.put(path[i], created);
                    at = created;
                } else {
                    at = nested(next);
                }
            }
            String last = path[path.length - 1];
            Object before = at.get(last);
            if (before == null) {
                at.put(last, c[1]);
            } else {
                List<Object> list = new ArrayList<>();
                if (before instanceof List<?> l) {
                    list.addAll(l);
                } else {
                    list.add(before);
                }
                list.add(c[1]);
                at.put(last, list);
            }
        }
        all.put("iss", iss);
        all.put("sub", sub);
        List<String> audiences = new ArrayList<>();
        Object aud = all.get("aud");
        if (aud instanceof String s) {
            audiences.add(s);
        } else if (aud instanceof List<?> l) {
            l.forEach(x -> audiences.add(String.valueOf(x)));
        }
        Object azp = all.get("azp");
        return new RequestIdentity(requestPrincipal, iss, sub, audiences, azp instanceof String s ? s : null,
                freeze(all));
    }

    @SuppressWarnings("unchecked") // only this class puts maps in, always Map<String, Object>
    private static Map<String, Object> nested(Object map) {
        return (Map<String, Object>) map;
    }

    /** Nested maps and lists made unmodifiable, as a JWT parser's result would be. */
    private static Map<String, Object> freeze(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> ? freeze(nested(v)) : v instanceof List<?> l
                ? List.copyOf(l) : v));
        return Collections.unmodifiableMap(out);
    }

    private static String[] header(String h) throws UsageException {
        String[] nv = OptionValues.header(COMMAND, h);
        return new String[] {nv[0].toLowerCase(Locale.ROOT), nv[1]};
    }
}

package io.inmesh.config.internal.validation;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.inmesh.config.Percent;
import io.inmesh.config.StringMatch;
import io.inmesh.config.WorkloadSelector;
import io.inmesh.config.internal.bind.Durations;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Value checks shared by the kinds, each reporting at a field path. */
final class Checks {
    private Checks() {
    }

    static final int MAX_REGEX_LENGTH = 1024;
    private static final java.util.regex.Pattern DNS1123_LABEL =
            java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final java.util.regex.Pattern HOST_LABEL =
            java.util.regex.Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final java.util.regex.Pattern LABEL_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final java.util.regex.Pattern HEADER_NAME =
            java.util.regex.Pattern.compile(":?[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    static boolean isDns1123Label(String s) {
        return s != null && s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
    }

    static boolean isDns1123Subdomain(String s) {
        if (s == null || s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String part : s.split("\\.", -1)) {
            if (!isDns1123Label(part)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A host name as Istio accepts it: DNS labels (letters of either case), an optional trailing dot, at most 255
     * characters, the first label optionally a wildcard ({@code *}, {@code *.example.com}, {@code *-api.example.com});
     * short names allowed; the top-level label not all digits (unless the host is an IP address).
     */
    static String hostProblem(String host, boolean wildcardAllowed) {
        if (host == null || host.isEmpty()) {
            return "host must not be empty";
        }
        if (host.equals("*")) {
            return wildcardAllowed ? null : "the wildcard host \"*\" is not allowed here";
        }
        if (host.length() > 255) {
            return "host " + Report.q(host) + " is longer than 255 characters";
        }
        if (isIp(host)) {
            return null;
        }
        String rest = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = rest.split("\\.", -1);
        for (int i = 0; i < labels.length; i++) {
            String label = labels[i];
            if (i == 0 && label.startsWith("*")) {
                if (!wildcardAllowed) {
                    return "host " + Report.q(host) + ": wildcards are not allowed here";
                }
                label = label.substring(1);
                if (label.isEmpty()) {
                    continue;
                }
                label = "x" + label; // "*-api" checks as a label that starts with a letter
            }
            // Letters of either case, as Istio's pkg/config/labels accepts (its docs use reviews.nsB.svc...); hosts
            // are matched without case.
            if (label.length() > 63 || !HOST_LABEL.matcher(label).matches()) {
                return "host " + Report.q(host) + " is not a valid DNS name (label " + Report.q(labels[i])
                        + "); expected names such as reviews, reviews.prod.svc.cluster.local or *.example.com";
            }
        }
        if (labels.length > 1 && labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            return "host " + Report.q(host) + " has an all-numeric top-level label and is not an IP address";
        }
        return null;
    }

    static void host(Report r, String path, String host, boolean wildcardAllowed) {
        String p = hostProblem(host, wildcardAllowed);
        if (p != null) {
            r.error(path, p);
        }
    }

    static boolean isIp(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        boolean v4 = s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = s.contains(":") && s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (!v4 && !v6) {
            return false;
        }
        if (v4) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
            return true;
        }
        try {
            InetAddress.getByName(s); // a literal with only hex digits, ':' and '.': parsed, never looked up
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** An IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32. */
    static String ipOrCidrProblem(String value) {
        String ip = value;
        if (value.contains("/")) {
            ip = value.substring(0, value.indexOf('/'));
            String bits = value.substring(value.indexOf('/') + 1);
            int max = ip.contains(":") ? 128 : 32;
            int n;
            try {
                n = Integer.parseInt(bits);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > max) {
                return Report.q(value) + " has an invalid prefix length; expected 0 to " + max;
            }
        }
        return isIp(ip) ? null : Report.q(value) + " is not an IP address or CIDR block (expected e.g. 10.1.2.3 or 10.0.0.0/16)";
    }

    static void port(Report r, String path, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            r.error(path, "port " + port + " is out of range; expected 1 to 65535");
        }
    }

    /** A port where 0 means "not set". */
    static void portOrUnset(Report r, String path, Integer port) {
        if (port != null && port != 0) {
            port(r, path, port);
        }
    }

    static void percent(Report r, String path, Percent p) {
        if (p != null && p.value() != null) {
            percent(r, path + ".value", p.value());
        }
    }

    static void percent(Report r, String path, double v) {
        if (v < 0 || v > 100) {
            r.error(path, "percentage " + fmt(v) + " is out of range; expected 0 to 100");
        } else if (v > 0 && v < 0.0001) {
            r.error(path, "percentage " + v + " is neither 0 nor in the range 0.0001 to 100");
        }
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Istio's duration rule: at least 1 ms, to millisecond precision. */
    static void duration(Report r, String path, Duration d) {
        if (d == null) {
            return;
        }
        String shown = r.written(path) != null ? r.written(path) : Durations.format(d);
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            r.error(path, "duration " + shown + " is too short; expected at least 1ms");
        } else if (d.toNanos() % 1_000_000 != 0) {
            r.error(path, "duration " + shown + " is finer than a millisecond; only millisecond precision is supported");
        }
    }

    /** A RE2 regex, as Envoy compiles it; returns the problem or null. */
    static String regexProblem(String regex) {
        if (regex.length() > MAX_REGEX_LENGTH) {
            return "regex is " + regex.length() + " characters long; the limit is " + MAX_REGEX_LENGTH;
        }
        try {
            Pattern.compile(regex);
            return null;
        } catch (PatternSyntaxException e) {
            return "regex " + Report.q(regex) + " is not valid RE2 syntax (" + e.getDescription()
                    + "); Perl-only constructs such as lookahead (?=...) and backreferences are not supported";
        }
    }

    static void regex(Report r, String path, String regex) {
        if (regex != null) {
            String p = regexProblem(regex);
            if (p != null) {
                r.error(path, p);
            }
        }
    }

    /**
     * A StringMatch: exactly one of exact, prefix, regex. {@code emptyAllowed} for header matches, where {@code {}}
     * means "present".
     */
    static void stringMatch(Report r, String path, StringMatch m, boolean emptyPrefixAllowed) {
        if (m == null) {
            return;
        }
        int set = (m.exact() != null ? 1 : 0) + (m.prefix() != null ? 1 : 0) + (m.regex() != null ? 1 : 0);
        if (set > 1) {
            r.error(path, "set only one of exact, prefix or regex (" + set + " are set)");
        }
        if (!emptyPrefixAllowed && "".equals(m.prefix())) {
            r.error(path + ".prefix", "prefix string match must not be empty");
        }
        if ("".equals(m.regex())) {
            r.error(path + ".regex", "regex string match must not be empty");
        }
        regex(r, path + ".regex", m.regex());
    }

    static void headerName(Report r, String path, String name) {
        if (name == null || name.isEmpty()) {
            r.error(path, "header name must not be empty");
        } else if (!HEADER_NAME.matcher(name).matches()) {
            r.error(path, "header name " + Report.q(name) + " is not a valid HTTP header name");
        }
    }

    /** Kubernetes label keys ([prefix/]name) and values. */
    static void labels(Report r, String path, Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        for (var e : labels.entrySet()) {
            String k = e.getKey();
            String name = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
            String prefix = k.contains("/") ? k.substring(0, k.indexOf('/')) : null;
            if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()
                    || (prefix != null && !isDns1123Subdomain(prefix))) {
                r.error(path + "[" + k + "]", "label key " + Report.q(k)
                        + " is not valid; expected [prefix/]name, name up to 63 characters of [A-Za-z0-9-_.]");
            }
            String v = e.getValue();
            if (v != null && !v.isEmpty() && (v.length() > 63 || !LABEL_NAME.matcher(v).matches())) {
                r.error(path + "[" + k + "]", "label value " + Report.q(v)
                        + " is not valid; expected up to 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric");
            }
        }
    }

    static void selector(Report r, String path, WorkloadSelector s) {
        if (s == null) {
            return;
        }
        selectorLabels(r, path + ".matchLabels", s.matchLabels());
    }

    /** Selector labels: Istio refuses empty keys and wildcards, and warns when there are none. */
    static void selectorLabels(Report r, String path, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            r.warning(path, "workload selector specified without labels: it selects every workload of the namespace");
            return;
        }
        for (var e : labels.entrySet()) {
            if (e.getKey().isEmpty()) {
                r.error(path, "empty label key");
            } else if (e.getKey().contains("*") || (e.getValue() != null && e.getValue().contains("*"))) {
                r.error(path + "[" + e.getKey() + "]", "wildcards are not allowed in a workload selector");
            }
        }
    }

    /** A list that is present must not be empty. */
    static boolean emptyList(Report r, String path, List<?> list, String what) {
        if (list != null && list.isEmpty()) {
            r.error(path, what + " must not be an empty list; leave it out instead");
            return true;
        }
        return false;
    }

    static <T> int size(List<T> l) {
        return l == null ? 0 : l.size();
    }

    static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    static <K, V> Map<K, V> map(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }
}

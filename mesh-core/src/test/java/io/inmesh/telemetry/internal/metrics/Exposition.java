package io.inmesh.telemetry.internal.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Prometheus text exposition parsed into samples, with the selections PromQL makes: an instant vector selector with
 * equality and regex matchers, and {@code sum by (labels)}. Enough to check that a dashboard's query selects series.
 */
final class Exposition {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> types = new LinkedHashMap<>();

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                e.types.put(parts[0], parts[1]);
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new TreeMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    String key = body.substring(i, eq);
                    int start = eq + 2; // after ="
                    StringBuilder v = new StringBuilder();
                    int j = start;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        v.append(body.charAt(j));
                        j++;
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            e.samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return e;
    }

    /**
     * The samples a PromQL instant selector picks, e.g. {@code istio_requests_total{reporter="source",
     * response_code=~"5.*"}} (matchers {@code =}, {@code !=}, {@code =~}, {@code !~}; regexes fully anchored as in
     * PromQL).
     */
    List<Sample> select(String selector) {
        int brace = selector.indexOf('{');
        String name = brace < 0 ? selector.trim() : selector.substring(0, brace).trim();
        List<Predicate<Map<String, String>>> matchers = new ArrayList<>();
        if (brace >= 0) {
            String body = selector.substring(brace + 1, selector.lastIndexOf('}'));
            for (String m : splitMatchers(body)) {
                m = m.trim();
                if (m.isEmpty()) {
                    continue;
                }
                String op = m.contains("=~") ? "=~" : m.contains("!~") ? "!~" : m.contains("!=") ? "!=" : "=";
                int at = m.indexOf(op);
                String key = m.substring(0, at).trim();
                String raw = m.substring(at + op.length()).trim();
                String value = raw.substring(1, raw.length() - 1);
                switch (op) {
                    case "=" -> matchers.add(l -> l.getOrDefault(key, "").equals(value));
                    case "!=" -> matchers.add(l -> !l.getOrDefault(key, "").equals(value));
                    case "=~" -> matchers.add(l -> l.getOrDefault(key, "").matches(value));
                    default -> matchers.add(l -> !l.getOrDefault(key, "").matches(value));
                }
            }
        }
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matchers.stream().allMatch(p -> p.test(s.labels()))) {
                out.add(s);
            }
        }
        return out;
    }

    /** {@code sum by (by...) (selector)}: label values of {@code by} to summed value. */
    Map<List<String>, Double> sumBy(String selector, String... by) {
        Map<List<String>, Double> out = new LinkedHashMap<>();
        for (Sample s : select(selector)) {
            List<String> key = new ArrayList<>();
            for (String b : by) {
                key.add(s.labels().getOrDefault(b, ""));
            }
            out.merge(key, s.value(), Double::sum);
        }
        return out;
    }

    /** The single value {@code selector} picks; fails unless exactly one sample matches. */
    double value(String selector) {
        List<Sample> s = select(selector);
        if (s.size() != 1) {
            throw new AssertionError(selector + " selects " + s.size() + " samples: " + s);
        }
        return s.get(0).value();
    }

    /** The label names of the series {@code name} has (all its samples). */
    Set<String> labelNames(String name) {
        Set<String> out = new java.util.TreeSet<>();
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                out.addAll(s.labels().keySet());
            }
        }
        return out;
    }

    private static List<String> splitMatchers(String body) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(body.substring(start, i));
                start = i + 1;
            }
        }
        out.add(body.substring(start));
        return out;
    }
}

package io.inmesh.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gathers one run of {@code run.sh} into {@code results/latest.json}, in the shape issue 7 gives, and
 * {@code results/latest.md}, a readable table with the targets marked met or missed. Reads from the target
 * directory: the JMH result files ({@code jmh-*.json}), {@code heap.txt} ({@link SnapshotHeap}), {@code reload.txt}
 * ({@link ReloadLatency}, the first line: 1000 routes) and {@code load.json} ({@code LoadHarness}). A part that is
 * missing is written as null and named in the table.
 *
 * <p>Arguments: the target directory ({@code benchmarks/target}), the results directory
 * ({@code benchmarks/results}).
 */
public final class Report {
    static final List<String> VARIANTS = List.of("plain", "mesh", "mesh_mtls", "nginx_1hop", "nginx_2hop",
            "nginx_2hop_mtls");
    static final List<String> SATURATED = List.of("plain", "mesh", "mesh_mtls");
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args.length > 0 ? args[0] : "benchmarks/target");
        Path results = Path.of(args.length > 1 ? args[1] : "benchmarks/results");
        Files.createDirectories(results);
        JsonNode load = Files.exists(target.resolve("load.json")) ? JSON.readTree(target.resolve("load.json").toFile())
                : null;
        Map<String, Object> latest = latest(target, load);
        Files.writeString(results.resolve("latest.json"), JSON.writeValueAsString(latest) + "\n");
        String table = table(latest, load);
        Files.writeString(results.resolve("latest.md"), table);
        System.out.print(table);
    }

    /** The figures in the shape of issue 7. */
    static Map<String, Object> latest(Path target, JsonNode load) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("date", DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC)
                .withNano(0).toInstant()));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpu", cpuModel());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        out.put("machine", machine);

        JsonNode variants = load == null ? null : load.path("variants");
        Map<String, Object> latency = new LinkedHashMap<>();
        Map<String, Object> cpu = new LinkedHashMap<>();
        for (String v : VARIANTS) {
            JsonNode n = variants == null ? null : variants.path(v);
            boolean ran = n != null && n.has("closed");
            if (ran) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("p50", n.path("closed").path("p50_us").asDouble());
                l.put("p90", n.path("closed").path("p90_us").asDouble());
                l.put("p99", n.path("closed").path("p99_us").asDouble());
                latency.put(v, l);
                cpu.put(v, n.path("cpu_us_per_request").asDouble());
            } else {
                latency.put(v, null);
                cpu.put(v, null);
            }
        }
        out.put("latency_us", latency);
        Map<String, Object> throughput = new LinkedHashMap<>();
        for (String v : SATURATED) {
            JsonNode n = variants == null ? null : variants.path(v);
            throughput.put(v, n != null && n.has("saturation_rps") ? n.path("saturation_rps").asDouble() : null);
        }
        out.put("throughput_rps", throughput);
        out.put("cpu_us_per_request", cpu);

        Map<String, Object> reload = new LinkedHashMap<>();
        Map<String, String> r = firstLine(target.resolve("reload.txt"), "routes=1000 ");
        reload.put("median", r == null ? null : Double.parseDouble(r.get("median_ms")));
        reload.put("max", r == null ? null : Double.parseDouble(r.get("max_ms")));
        out.put("reload_ms", reload);
        Map<String, String> h100 = firstLine(target.resolve("heap.txt"), "routes=100 ");
        Map<String, String> h1000 = firstLine(target.resolve("heap.txt"), "routes=1000 ");
        out.put("heap_mb_100_routes", h100 == null ? null : Double.parseDouble(h100.get("mesh_retained_mb")));
        out.put("heap_mb_1000_routes", h1000 == null ? null : Double.parseDouble(h1000.get("mesh_retained_mb")));
        out.put("jmh", jmh(target));
        return out;
    }

    /** Every JMH result of the run: {@code Class.method(param=value,...)} -> ns/op and B/op. */
    static Map<String, Object> jmh(Path target) throws IOException {
        Map<String, Object> all = new TreeMap<>();
        if (!Files.isDirectory(target)) {
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(target, "jmh-*.json")) {
            for (Path f : files) {
                if (Files.size(f) == 0) {
                    continue;
                }
                for (JsonNode r : JSON.readTree(f.toFile())) {
                    String name = r.path("benchmark").asString();
                    name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
                    List<String> params = new ArrayList<>();
                    r.path("params").properties().forEach(e -> params.add(e.getKey() + "=" + e.getValue().asString()));
                    if (!params.isEmpty()) {
                        name += "(" + String.join(",", params) + ")";
                    }
                    JsonNode primary = r.path("primaryMetric");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("ns_per_op", round(primary.path("score").asDouble() * nanos(primary.path("scoreUnit")
                            .asString())));
                    JsonNode norm = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
                    m.put("bytes_per_op", norm.isMissingNode() ? null : round(norm.path("score").asDouble()));
                    all.put(name, m);
                }
            }
        }
        return all;
    }

    private static double nanos(String unit) {
        switch (unit) {
            case "ns/op":
                return 1;
            case "us/op":
                return 1e3;
            case "ms/op":
                return 1e6;
            case "s/op":
                return 1e9;
            default:
                throw new IllegalStateException("JMH score unit " + unit + ": expected average time per operation");
        }
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    /** The first line of {@code file} that starts with {@code prefix}, as key=value pairs; null when absent. */
    static Map<String, String> firstLine(Path file, String prefix) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(prefix)) {
                Map<String, String> m = new LinkedHashMap<>();
                Matcher kv = Pattern.compile("([a-z_0-9]+)=([^ ]+)").matcher(line);
                while (kv.find()) {
                    m.put(kv.group(1), kv.group(2));
                }
                return m;
            }
        }
        return null;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    // ---- the table

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> latest, JsonNode load) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> machine = (Map<String, Object>) latest.get("machine");
        b.append("# InMesh benchmarks, ").append(latest.get("date")).append("\n\n");
        b.append("Machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores"))
                .append(" cores (nproc), ").append(machine.get("jdk")).append(".\n");
        JsonNode setup = load == null ? null : load.path("setup");
        if (setup != null) {
            b.append("Load: ").append(setup.path("reps").asInt()).append(" interleaved repetitions, medians; closed loop ")
                    .append(setup.path("closed_requests").asInt()).append(" requests on one connection; open loop ")
                    .append(setup.path("rate_seconds").asDouble()).append(" s per rate; saturation ")
                    .append(setup.path("saturation_threads").asInt()).append(" threads for ")
                    .append(setup.path("saturation_seconds").asDouble()).append(" s; client side on CPU ")
                    .append(setup.path("client_cpus").asString("-")).append(", server side on CPU ")
                    .append(setup.path("server_cpus").asString("-")).append(".\n");
        }
        b.append('\n');
        JsonNode vs = load == null ? null : load.path("variants");

        b.append("## Latency (closed loop, one kept-alive connection, 1 KiB answers), µs\n\n");
        b.append("| variant | p50 | p90 | p99 | added p50 | added p90 | added p99 | CPU µs/request | throughput req/s |"
                + " throughput vs plain | allocated B/request, client / server |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        int cpuRate = setup == null ? 1000 : setup.path("cpu_rate").asInt(1000);
        for (String v : VARIANTS) {
            JsonNode n = vs == null ? null : vs.path(v);
            if (n == null || !n.has("closed")) {
                b.append("| ").append(v).append(" | missing: ").append(n == null ? "no load run"
                        : n.path("missing").asString("no load run")).append(" | | | | | | | | | |\n");
                continue;
            }
            JsonNode c = n.path("closed");
            JsonNode a = n.path("closed_added");
            b.append("| ").append(v).append(" | ").append(f(c.path("p50_us"))).append(" | ").append(f(c.path("p90_us")))
                    .append(" | ").append(f(c.path("p99_us"))).append(" | ").append(f(a.path("p50_us"))).append(" | ")
                    .append(f(a.path("p90_us"))).append(" | ").append(f(a.path("p99_us"))).append(" | ")
                    .append(f(n.path("cpu_us_per_request"))).append(" | ").append(f(n.path("saturation_rps")))
                    .append(" | ").append(n.has("saturation_ratio") ? String.format(Locale.ROOT, "%.2fx",
                            n.path("saturation_ratio").asDouble()) : "-").append(" | ")
                    .append(f(c.path("client_bytes_per_request"))).append(" / ")
                    .append(f(c.path("server_bytes_per_request"))).append(" |\n");
        }
        b.append("\nAdded: the variant minus plain in the same repetition, median over repetitions. CPU: user + system"
                + " time of every process on the path (client JVM, server JVM, each nginx process) per request, open"
                + " loop at ").append(cpuRate).append(" requests/s; µs per request = vCPU per 1000 requests/s x 1000."
                + " Allocated: bytes per request allocated by the client's calling thread and by all threads of the"
                + " server JVM, closed loop.\n\n");

        if (vs != null && setup != null) {
            b.append("## Open loop at fixed rates (latency from the intended send time), µs: p50 / p99 / p99.9\n\n");
            List<String> rates = new ArrayList<>();
            setup.path("rates").forEach(r -> rates.add(r.asString()));
            b.append("| variant |");
            rates.forEach(r -> b.append(' ').append(r).append("/s |"));
            b.append(" CPU µs/request at each rate |\n| --- |");
            rates.forEach(r -> b.append(" ---: |"));
            b.append(" ---: |\n");
            for (String v : VARIANTS) {
                JsonNode n = vs.path(v);
                if (!n.has("open")) {
                    continue;
                }
                b.append("| ").append(v).append(" |");
                List<String> cpus = new ArrayList<>();
                for (String r : rates) {
                    JsonNode s = n.path("open").path(r);
                    b.append(' ').append(f(s.path("p50_us"))).append(" / ").append(f(s.path("p99_us"))).append(" / ")
                            .append(f(s.path("p999_us"))).append(" |");
                    cpus.add(f(s.path("cpu_us_per_request")));
                }
                b.append(' ').append(String.join(" / ", cpus)).append(" |\n");
            }
            b.append("\nCPU µs/request by process (open loop at ").append(cpuRate).append("/s): ");
            List<String> parts = new ArrayList<>();
            for (String v : VARIANTS) {
                JsonNode n = vs.path(v).path("open").path(Integer.toString(cpuRate));
                if (n.has("cpu_us_per_request_by_process")) {
                    List<String> p = new ArrayList<>();
                    n.path("cpu_us_per_request_by_process").properties()
                            .forEach(e -> p.add(e.getKey() + " " + f(e.getValue())));
                    parts.add(v + ": " + String.join(", ", p));
                }
            }
            b.append(String.join("; ", parts)).append(".\n\n");
        }

        b.append("## Config plane\n\n");
        Map<String, Object> reload = (Map<String, Object>) latest.get("reload_ms");
        b.append("| figure | value |\n| --- | ---: |\n");
        b.append("| retained heap, mesh with 100 routes | ").append(f(latest.get("heap_mb_100_routes"))).append(" MB |\n");
        b.append("| retained heap, mesh with 1000 routes | ").append(f(latest.get("heap_mb_1000_routes")))
                .append(" MB |\n");
        b.append("| reload, change on disk to new snapshot serving, 1000 routes, median | ").append(f(reload.get("median")))
                .append(" ms |\n");
        b.append("| reload, max | ").append(f(reload.get("max"))).append(" ms |\n\n");

        b.append("## JMH (`-prof gc`)\n\n| benchmark | ns/op | B/op |\n| --- | ---: | ---: |\n");
        Map<String, Object> jmh = (Map<String, Object>) latest.get("jmh");
        jmh.forEach((name, value) -> {
            Map<String, Object> m = (Map<String, Object>) value;
            b.append("| `").append(name).append("` | ").append(f(m.get("ns_per_op"))).append(" | ")
                    .append(f(m.get("bytes_per_op"))).append(" |\n");
        });
        b.append('\n');

        b.append("## Targets (issue 7)\n\n| target | measured | |\n| --- | --- | --- |\n");
        for (String[] t : targets(latest, vs, Integer.toString(cpuRate))) {
            b.append("| ").append(t[0]).append(" | ").append(t[1]).append(" | ").append(t[2]).append(" |\n");
        }
        return b.toString();
    }

    /** Each target: what, the figure, met / missed / not measured. */
    @SuppressWarnings("unchecked")
    static List<String[]> targets(Map<String, Object> latest, JsonNode vs, String cpuRate) {
        List<String[]> t = new ArrayList<>();
        Double meshP50 = added(vs, "mesh", "p50_us");
        Double mtlsP50 = added(vs, "mesh_mtls", "p50_us");
        Double mtlsP90 = added(vs, "mesh_mtls", "p90_us");
        Double nginxP50 = added(vs, "nginx_2hop_mtls", "p50_us");
        Double nginxP90 = added(vs, "nginx_2hop_mtls", "p90_us");
        t.add(row("InMesh adds at most 15 µs at p50 (no TLS)", meshP50, meshP50 == null ? null : meshP50 <= 15,
                "+%.1f µs"));
        t.add(row("InMesh adds at most 40 µs at p50 with mTLS", mtlsP50, mtlsP50 == null ? null : mtlsP50 <= 40,
                "+%.1f µs"));
        if (mtlsP50 == null || nginxP50 == null || mtlsP90 == null || nginxP90 == null) {
            t.add(new String[] {"with mTLS, added latency at most 0.2x the two-nginx mTLS path's (p50 and p90)",
                    "-", "not measured"});
        } else {
            boolean ok = mtlsP50 <= 0.2 * nginxP50 && mtlsP90 <= 0.2 * nginxP90;
            t.add(new String[] {"with mTLS, added latency at most 0.2x the two-nginx mTLS path's (p50 and p90)",
                    String.format(Locale.ROOT, "p50 +%.1f vs +%.1f µs (%.2fx), p90 +%.1f vs +%.1f µs (%.2fx)",
                            mtlsP50, nginxP50, mtlsP50 / nginxP50, mtlsP90, nginxP90, mtlsP90 / nginxP90),
                    ok ? "met" : "missed"});
        }
        for (String v : List.of("mesh", "mesh_mtls")) {
            Double ratio = vs == null || !vs.path(v).has("saturation_ratio") ? null
                    : vs.path(v).path("saturation_ratio").asDouble();
            t.add(row("throughput at saturation at least 0.9x plain OkHttp (" + v + ")", ratio,
                    ratio == null ? null : ratio >= 0.9, "%.2fx"));
        }
        Double cpu = vs == null || !vs.path("mesh").has("open_added") ? null
                : vs.path("mesh").path("open_added").path(cpuRate).path("cpu_us_per_request").asDouble();
        t.add(row("added CPU at most 0.05 vCPU per 1000 requests/s (mesh, both sides; 50 µs per request)", cpu,
                cpu == null ? null : cpu <= 50, "+%.1f µs per request"));
        Object heap = latest.get("heap_mb_1000_routes");
        t.add(row("1000 routes in at most 16 MB of retained heap", (Double) heap,
                heap == null ? null : (Double) heap <= 16, "%.2f MB"));
        Object reload = ((Map<String, Object>) latest.get("reload_ms")).get("median");
        t.add(row("reload median at most 100 ms", (Double) reload, reload == null ? null : (Double) reload <= 100,
                "%.1f ms"));
        Map<String, Object> jmh = (Map<String, Object>) latest.get("jmh");
        Double route = jmhNs(jmh, "RouteSelectionBenchmark.route(rules=100)");
        t.add(row("route selection under 1 µs for 100 rules", route, route == null ? null : route < 1000, "%.0f ns"));
        Double authz = jmhNs(jmh, "AuthorizationBenchmark.allowLast(policies=10)");
        t.add(row("authorization under 1 µs for 10 policies", authz, authz == null ? null : authz < 1000, "%.0f ns"));
        return t;
    }

    private static String[] row(String what, Double value, Boolean ok, String format) {
        return new String[] {what, value == null ? "-" : String.format(Locale.ROOT, format, value),
                ok == null ? "not measured" : ok ? "met" : "missed"};
    }

    @SuppressWarnings("unchecked")
    private static Double jmhNs(Map<String, Object> jmh, String name) {
        Object m = jmh.get(name);
        return m == null ? null : (Double) ((Map<String, Object>) m).get("ns_per_op");
    }

    /** The median added figure of {@code variant} over plain, closed loop; null when absent. */
    private static Double added(JsonNode vs, String variant, String field) {
        if (vs == null || !vs.path(variant).has("closed")) {
            return null;
        }
        return vs.path(variant).path("closed_added").path(field).asDouble();
    }

    private static String f(Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof JsonNode n) {
            if (n.isMissingNode() || n.isNull()) {
                return "-";
            }
            return n.isNumber() ? f(n.asDouble()) : n.asString();
        }
        if (value instanceof Double d) {
            if (d.isNaN()) {
                return "-";
            }
            return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.0f", d).replace(',', ' ')
                    : String.format(Locale.ROOT, "%.1f", d);
        }
        return value.toString();
    }
}

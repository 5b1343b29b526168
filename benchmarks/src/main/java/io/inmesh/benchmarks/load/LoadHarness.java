package io.inmesh.benchmarks.load;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.benchmarks.server.BenchServer;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import io.inmesh.telemetry.MeshTelemetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loopback load harness (BENCHMARKING.md): the same server application ({@link BenchServer}, Spring Boot MVC on
 * Tomcat, 1 KiB answers) behind six client paths, measured side by side in one run with the variants interleaved:
 * <ul>
 *   <li>{@code plain}: OkHttp to the server ({@code mesh.enabled=false});</li>
 *   <li>{@code mesh}: the mesh's OkHttp client ({@link MeshOkHttp#newClient}: a VirtualService with retries and a
 *       timeout, a DestinationRule with outlier detection, a STATIC ServiceEntry, Istio's metrics in a Prometheus
 *       registry, spans to an OpenTelemetry SDK at the mesh's default 1 % sampling of new traces) to the server with
 *       the mesh's inbound filter, metrics and spans;</li>
 *   <li>{@code mesh_mtls}: the same with {@code tls.mode: ISTIO_MUTUAL} to a server that serves the mesh's TLS
 *       (built-in CA in a directory both JVMs share; PeerAuthentication STRICT);</li>
 *   <li>{@code nginx_1hop}: OkHttp to nginx B to the server;</li>
 *   <li>{@code nginx_2hop}: OkHttp to nginx A (client sidecar) to nginx B (server sidecar) to the server;</li>
 *   <li>{@code nginx_2hop_mtls}: the same with TLS 1.3 mutual TLS between A and B.</li>
 * </ul>
 * This JVM is the client. Each server variant runs in its own JVM (plain and nginx variants share the
 * {@code mesh.enabled=false} one), and the client side (this JVM, nginx A) and the server side (server JVMs, nginx B)
 * are pinned with {@code taskset} to different CPUs: the server side gets the online CPUs this process may not run on,
 * so start the harness pinned ({@code taskset -c 0 java ...}, as {@code run.sh} does).
 *
 * <p>Per repetition (at least 5; the order of the variants rotates each repetition), every phase runs for every
 * variant before the next phase starts:
 * <ol>
 *   <li>closed loop: one thread, one kept-alive connection, requests back to back; latency p50/p90/p99 (HdrHistogram);
 *       the variants take turns of 200 requests (the order rotating each turn) until each sent its count, so that a
 *       shared machine's slow seconds fall on all of them alike;</li>
 *   <li>open loop at each fixed rate (250, 500, 1000, 2000 requests/s): a pacer hands each request's intended send
 *       time to a pool of senders, and latency is recorded from the intended time, so time spent waiting behind a
 *       slow request counts (coordinated omission corrected);</li>
 *   <li>saturation (plain and the mesh variants): several closed-loop threads, completed requests per second; the
 *       variants take turns of half a second (uncounted ramp-up before each) until each ran its seconds.</li>
 * </ol>
 * CPU per request: user + system time from {@code /proc/<pid>/stat} of every process on the variant's path (this JVM,
 * the server JVM, each nginx master and worker) over the phase, divided by the requests completed. Warm-up requests
 * precede the repetitions. Figures are medians over repetitions; added latency is the median of the per-repetition
 * differences from {@code plain}.
 *
 * <p>Options ({@code --name=value}): {@code reps} (5), {@code warmup} (requests per variant, 15000), {@code closed}
 * (requests per closed-loop phase, 4000), {@code rates} (250,500,1000,2000), {@code rate-seconds} (2),
 * {@code cpu-rate} (the rate whose CPU per request is reported, 1000), {@code saturation-seconds} (4),
 * {@code saturation-threads} (8), {@code variants} (all), {@code out} (benchmarks/target/load.json), {@code keep}
 * (keep the working directory), {@code server-jvm} (extra JVM options for the server JVMs, separated by spaces, e.g.
 * {@code -XX:StartFlightRecording=filename=/tmp/server.jfr} for profiling). Writes the figures as JSON to {@code out} and a table to standard output; progress
 * to standard error.
 */
public final class LoadHarness {
    static final List<String> ALL = List.of("plain", "mesh", "mesh_mtls", "nginx_1hop", "nginx_2hop",
            "nginx_2hop_mtls");
    /**
     * Diagnostic variants, run only when named in {@code --variants}: the mesh on one side only, to tell the client's
     * share of the added latency from the server's ({@code mesh_client_only}: the mesh's client to the plain server;
     * {@code mesh_server_only}: plain OkHttp to the mesh's server, no trace context sent).
     */
    static final List<String> DIAGNOSTIC = List.of("mesh_client_only", "mesh_server_only");
    static final Set<String> SATURATED = Set.of("plain", "mesh", "mesh_mtls", "mesh_client_only",
            "mesh_server_only");
    static final String NAMESPACE = "bench";
    static final SpiffeId CLIENT_ID = SpiffeId.parse("spiffe://cluster.local/ns/bench/sa/bench-client");
    static final String SERVER_SA = "bench-server";
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int BODY_BYTES = 1024;

    private LoadHarness() {
    }

    /** The harness's settings. */
    record Options(int reps, int warmup, int closed, int[] rates, double rateSeconds, int cpuRate,
                   double saturationSeconds, int saturationThreads, List<String> variants, Path out, boolean keep,
                   List<String> serverJvm) {
        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String a : args) {
                if (!a.startsWith("--") || !a.contains("=")) {
                    throw new IllegalArgumentException("argument " + a + ": expected --name=value (see the Javadoc"
                            + " of LoadHarness for the names)");
                }
                m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
            Set<String> known = Set.of("reps", "warmup", "closed", "rates", "rate-seconds", "cpu-rate",
                    "saturation-seconds", "saturation-threads", "variants", "out", "keep", "server-jvm");
            for (String k : m.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + "; known: " + new TreeSet<>(known));
                }
            }
            int[] rates = Stream.of(m.getOrDefault("rates", "250,500,1000,2000").split(","))
                    .mapToInt(s -> positive("rates", s)).toArray();
            List<String> variants = List.of(m.getOrDefault("variants", String.join(",", ALL)).split(","));
            for (String v : variants) {
                if (!ALL.contains(v) && !DIAGNOSTIC.contains(v)) {
                    throw new IllegalArgumentException("--variants: unknown variant " + v + "; known: " + ALL
                            + ", diagnostic: " + DIAGNOSTIC);
                }
            }
            if (!variants.contains("plain")) {
                throw new IllegalArgumentException("--variants must include plain: every figure is relative to it");
            }
            int cpuRate = positive("cpu-rate", m.getOrDefault("cpu-rate", "1000"));
            if (java.util.Arrays.stream(rates).noneMatch(r -> r == cpuRate)) {
                throw new IllegalArgumentException("--cpu-rate=" + cpuRate + " is not one of --rates "
                        + java.util.Arrays.toString(rates));
            }
            return new Options(positive("reps", m.getOrDefault("reps", "5")),
                    positive("warmup", m.getOrDefault("warmup", "15000")),
                    positive("closed", m.getOrDefault("closed", "4000")), rates,
                    positiveDouble("rate-seconds", m.getOrDefault("rate-seconds", "2")), cpuRate,
                    positiveDouble("saturation-seconds", m.getOrDefault("saturation-seconds", "4")),
                    positive("saturation-threads", m.getOrDefault("saturation-threads", "8")), variants,
                    Path.of(m.getOrDefault("out", "benchmarks/target/load.json")),
                    Boolean.parseBoolean(m.getOrDefault("keep", "false")),
                    m.containsKey("server-jvm") ? List.of(m.get("server-jvm").trim().split("\\s+")) : List.of());
        }

        private static int positive(String name, String value) {
            try {
                int v = Integer.parseInt(value.trim());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--" + name + "=" + value + ": expected a positive integer");
        }

        private static double positiveDouble(String name, String value) {
            try {
                double v = Double.parseDouble(value.trim());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--" + name + "=" + value + ": expected a positive number of seconds");
        }
    }

    /** One path from this client to the server application. */
    static final class Variant {
        final String key;
        final List<Child> path;
        final AtomicInteger connections = new AtomicInteger();
        OkHttpClient client;
        Request request;
        String missing;

        Variant(String key, List<Child> path) {
            this.key = key;
            this.path = path;
        }
    }

    /** One phase of one variant in one repetition. */
    record Sample(double p50, double p90, double p99, double p999, double max, double mean, double rps,
                  long requests, long errors, Map<String, Double> cpuUsPerRequest, double clientBytes,
                  double serverBytes) {
        double cpuTotal() {
            return cpuUsPerRequest.getOrDefault("total", Double.NaN);
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_us", Stats.round1(p50));
            m.put("p90_us", Stats.round1(p90));
            m.put("p99_us", Stats.round1(p99));
            m.put("p999_us", Stats.round1(p999));
            m.put("max_us", Stats.round1(max));
            m.put("mean_us", Stats.round1(mean));
            m.put("rps", Stats.round1(rps));
            m.put("requests", requests);
            m.put("errors", errors);
            Map<String, Double> cpu = new LinkedHashMap<>();
            cpuUsPerRequest.forEach((k, v) -> cpu.put(k, Stats.round1(v)));
            m.put("cpu_us_per_request", cpu);
            if (!Double.isNaN(clientBytes)) {
                m.put("client_bytes_per_request", Math.round(clientBytes));
                m.put("server_bytes_per_request", Math.round(serverBytes));
            }
            return m;
        }
    }

    /** A repetition's samples of one variant. */
    static final class Rep {
        Sample closed;
        final Map<Integer, Sample> open = new LinkedHashMap<>();
        Sample saturation;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (!ProcCpu.available()) {
            throw new IllegalStateException("/proc/self/stat is not readable: the harness needs Linux's /proc for"
                    + " CPU time per process");
        }
        Path work = Files.createTempDirectory("inmesh-load");
        List<AutoCloseable> closing = new ArrayList<>();
        Thread hook = new Thread(() -> closeAll(closing));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run(o, work, closing);
        } finally {
            closeAll(closing);
            Runtime.getRuntime().removeShutdownHook(hook);
            if (!o.keep()) {
                deleteTree(work);
            } else {
                log("working directory kept: " + work);
            }
        }
    }

    private static void run(Options o, Path work, List<AutoCloseable> closing) throws Exception {
        Instant started = Instant.now();
        Set<Integer> online = cpuList(Files.readString(Path.of("/sys/devices/system/cpu/online")).trim());
        Set<Integer> mine = cpuList(procStatus("Cpus_allowed_list"));
        Set<Integer> others = new TreeSet<>(online);
        others.removeAll(mine);
        boolean pin = !others.isEmpty() && Files.isExecutable(Path.of("/usr/bin/taskset"));
        String clientCpus = pin ? join(mine) : null;
        String serverCpus = pin ? join(others) : null;
        log("CPUs online " + online + ", client side on " + mine + ", server side on "
                + (pin ? others : "the same (no CPU left to pin the server side to: start the harness with"
                + " taskset -c 0 on a machine with two or more CPUs)"));

        // The mesh's CA, created here before any server JVM reads the same directory.
        Path caDir = Files.createDirectories(work.resolve("mesh-ca"));
        boolean meshTlsServing = starterServesMeshTls();
        boolean wantMtls = o.variants().contains("mesh_mtls");
        String mtlsMissing = !wantMtls ? "not selected (--variants)" : meshTlsServing ? null
                : "the starter on this classpath does not serve the mesh's TLS on Tomcat yet (no mesh.certificates.*"
                + " properties in MeshProperties): the mesh_mtls variant needs it";

        Map<String, Child> servers = new LinkedHashMap<>();
        int plainPort = freePort();
        servers.put("server-plain", startServer("server-plain", serverCpus, plainPort, false, null, work, o));
        closing.add(0, servers.get("server-plain"));
        int meshPort = 0;
        if (o.variants().contains("mesh") || o.variants().contains("mesh_server_only")) {
            meshPort = freePort();
            servers.put("server-mesh", startServer("server-mesh", serverCpus, meshPort, true, null, work, o));
            closing.add(0, servers.get("server-mesh"));
        }
        int mtlsPort = 0;
        if (mtlsMissing == null) {
            mtlsPort = freePort();
            // the client's workload certificate creates the CA before the server starts
            CertificateSources.builtInCa(caDir, CLIENT_ID).close();
            servers.put("server-mtls", startServer("server-mtls", serverCpus, mtlsPort, true, caDir, work, o));
            closing.add(0, servers.get("server-mtls"));
        }

        // nginx
        boolean wantNginx = o.variants().stream().anyMatch(v -> v.startsWith("nginx"));
        String nginxMissing = !wantNginx ? "not selected (--variants)" : Nginx.binary().isEmpty()
                ? "nginx is not installed (run.sh installs Debian's package: apt-get install -y nginx)" : null;
        Child nginxA = null;
        Child nginxB = null;
        int b1 = 0;
        int a1 = 0;
        int a2 = 0;
        if (nginxMissing == null) {
            Certs certs = Certs.generate(work.resolve("nginx-certs"));
            b1 = freePort();
            int b2 = freePort();
            a1 = freePort();
            a2 = freePort();
            Path nginx = Nginx.binary().orElseThrow();
            Path prefixB = work.resolve("nginx-b");
            nginxB = Nginx.start("nginx-b", nginx, prefixB,
                    Nginx.serverSideConfig(prefixB, plainPort, b1, b2, certs), serverCpus);
            closing.add(0, nginxB);
            Path prefixA = work.resolve("nginx-a");
            nginxA = Nginx.start("nginx-a", nginx, prefixA,
                    Nginx.clientSideConfig(prefixA, b1, b2, a1, a2, certs), clientCpus);
            closing.add(0, nginxA);
            awaitPort(nginxB, b1, b2);
            awaitPort(nginxA, a1, a2);
            nginxA.settle();
            nginxB.settle();
            log("nginx A " + nginxA + ", nginx B " + nginxB);
        }
        for (Child s : servers.values()) {
            awaitPort(s, s == servers.get("server-plain") ? plainPort
                    : s == servers.get("server-mesh") ? meshPort : mtlsPort);
            s.settle();
        }
        log("servers up: " + servers.values());

        // The client's mesh: one application with both destinations.
        Path clientConfig = Files.createDirectories(work.resolve("client-config"));
        Files.writeString(clientConfig.resolve("bench.yaml"), clientYaml(meshPort, mtlsPort)
                + (o.variants().contains("mesh_client_only") ? destination("bench-plain", plainPort, false) : ""));
        OpenTelemetrySdk clientSdk = BenchServer.sdk();
        closing.add(clientSdk);
        PrometheusMeterRegistry clientRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Mesh.Builder mb = Mesh.builder()
                .workload(new Workload(NAMESPACE, "bench-client", Map.of("app", "bench-client", "version", "v1")))
                .config(ConfigSources.directory(clientConfig))
                .telemetry(MeshTelemetry.builder().openTelemetry(clientSdk).meterRegistry(clientRegistry)
                        .samplingPercent(1).build());
        if (mtlsMissing == null) {
            mb.certificates(CertificateSources.builtInCa(caDir, CLIENT_ID));
        }
        Mesh mesh = mb.build();
        closing.add(0, mesh);

        Child serverPlain = servers.get("server-plain");
        Map<String, Variant> variants = new LinkedHashMap<>();
        for (String key : o.variants()) {
            Variant v;
            switch (key) {
                case "plain" -> {
                    v = new Variant(key, List.of(serverPlain));
                    plainClient(v, "http://127.0.0.1:" + plainPort + "/data");
                }
                case "mesh" -> {
                    v = new Variant(key, List.of(servers.get("server-mesh")));
                    meshClient(v, mesh, "http://bench-server:8080/data");
                }
                case "mesh_mtls" -> {
                    v = new Variant(key, mtlsMissing == null ? List.of(servers.get("server-mtls")) : List.of());
                    v.missing = mtlsMissing;
                    if (mtlsMissing == null) {
                        meshClient(v, mesh, "http://bench-server-mtls:8080/data");
                    }
                }
                case "mesh_client_only" -> {
                    v = new Variant(key, List.of(serverPlain));
                    meshClient(v, mesh, "http://bench-plain:8080/data");
                }
                case "mesh_server_only" -> {
                    v = new Variant(key, List.of(servers.get("server-mesh")));
                    plainClient(v, "http://127.0.0.1:" + meshPort + "/data");
                }
                case "nginx_1hop" -> {
                    v = new Variant(key, nginxMissing == null ? List.of(nginxB, serverPlain) : List.of());
                    v.missing = nginxMissing;
                    if (nginxMissing == null) {
                        plainClient(v, "http://127.0.0.1:" + b1 + "/data");
                    }
                }
                case "nginx_2hop" -> {
                    v = new Variant(key, nginxMissing == null ? List.of(nginxA, nginxB, serverPlain) : List.of());
                    v.missing = nginxMissing;
                    if (nginxMissing == null) {
                        plainClient(v, "http://127.0.0.1:" + a1 + "/data");
                    }
                }
                case "nginx_2hop_mtls" -> {
                    v = new Variant(key, nginxMissing == null ? List.of(nginxA, nginxB, serverPlain) : List.of());
                    v.missing = nginxMissing;
                    if (nginxMissing == null) {
                        plainClient(v, "http://127.0.0.1:" + a2 + "/data");
                    }
                }
                default -> throw new IllegalStateException(key);
            }
            variants.put(key, v);
        }
        List<Variant> running = variants.values().stream().filter(v -> v.missing == null).toList();
        for (Variant v : running) {
            checkBefore(v);
        }
        log("checks passed: " + running.stream().map(v -> v.key).toList());

        ExecutorService senders = new ThreadPoolExecutor(32, 32, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "open-loop-sender");
                    t.setDaemon(true);
                    return t;
                });
        ((ThreadPoolExecutor) senders).prestartAllCoreThreads();
        closing.add(0, senders::shutdownNow);

        // Warm-up: closed loop in chunks, interleaved, then one short open-loop pass at the highest rate.
        Instant warmStart = Instant.now();
        int chunk = 1000;
        for (int done = 0; done < o.warmup(); done += chunk) {
            for (Variant v : running) {
                closedLoop(v, Math.min(chunk, o.warmup() - done));
            }
        }
        // Then on until the JIT compilers of every JVM are done with the hot paths: a round of 1000 requests per
        // variant during which no JVM compiled for more than 20 ms (a JVM still compiling made the first repetition
        // slow, and its C2 threads take CPU from every server on the shared CPU), at most 3 x the warm-up.
        Map<String, Long> jit = jitMillis(running);
        for (int extra = 0; extra < 2 * o.warmup(); extra += chunk) {
            for (Variant v : running) {
                closedLoop(v, chunk);
            }
            Map<String, Long> now = jitMillis(running);
            long most = now.entrySet().stream().mapToLong(e -> e.getValue() - jit.getOrDefault(e.getKey(), 0L))
                    .max().orElse(0);
            jit.putAll(now);
            if (most <= 20) {
                log("JIT settled after " + (o.warmup() + extra + chunk) + " warm-up requests per variant");
                break;
            }
        }
        int topRate = java.util.Arrays.stream(o.rates()).max().orElseThrow();
        for (Variant v : running) {
            openLoop(v, topRate, 1.0, senders, null);
        }
        log("warm-up done in " + Duration.between(warmStart, Instant.now()).toSeconds() + " s");
        for (Variant v : running) {
            checkAfter(v, clientRegistry);
        }

        Map<String, Child> all = new LinkedHashMap<>();
        all.put("client", null);
        servers.forEach(all::put);
        if (nginxA != null) {
            all.put("nginx-a", nginxA);
            all.put("nginx-b", nginxB);
        }
        Map<String, List<Rep>> reps = new LinkedHashMap<>();
        running.forEach(v -> reps.put(v.key, new ArrayList<>()));
        for (int r = 0; r < o.reps(); r++) {
            List<Variant> order = new ArrayList<>(running);
            Collections.rotate(order, -r);
            if (r % 2 == 1) {
                Collections.reverse(order);
            }
            Map<String, Rep> rep = new LinkedHashMap<>();
            order.forEach(v -> rep.put(v.key, new Rep()));
            Map<String, Sample> closed = closedLoops(order, o.closed(), CLOSED_CHUNK, all);
            order.forEach(v -> rep.get(v.key).closed = closed.get(v.key));
            for (int rate : o.rates()) {
                for (Variant v : order) {
                    rep.get(v.key).open.put(rate, openLoop(v, rate, o.rateSeconds(), senders, all));
                }
            }
            List<Variant> saturated = order.stream().filter(v -> SATURATED.contains(v.key)).toList();
            saturations(saturated, o.saturationThreads(), o.saturationSeconds(), all)
                    .forEach((key, sample) -> rep.get(key).saturation = sample);
            running.forEach(v -> reps.get(v.key).add(rep.get(v.key)));
            log("repetition " + (r + 1) + "/" + o.reps() + " (order " + order.stream().map(v -> v.key).toList()
                    + "): closed-loop p50 " + order.stream().map(v -> v.key + "=" + Math.round(rep.get(v.key).closed.p50)
                    + "us").toList());
        }
        for (Variant v : running) {
            v.client.connectionPool().evictAll();
        }

        Map<String, Object> out = results(o, variants, reps, started, clientCpus, serverCpus, all);
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        Files.writeString(o.out(), JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build()
                .writeValueAsString(out) + "\n");
        System.out.print(table(o, variants, out));
        log("wrote " + o.out() + " (" + Duration.between(started, Instant.now()).toSeconds() + " s)");
    }

    // ---- clients

    private static OkHttpClient.Builder base(Variant v) {
        return new OkHttpClient.Builder()
                .protocols(List.of(Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(64, 5, TimeUnit.MINUTES))
                .readTimeout(Duration.ofSeconds(30))
                .eventListener(new EventListener() {
                    @Override
                    public void connectStart(Call call, InetSocketAddress address, java.net.Proxy proxy) {
                        v.connections.incrementAndGet();
                    }
                });
    }

    private static void plainClient(Variant v, String url) {
        v.client = base(v).build();
        v.request = new Request.Builder().url(url).build();
    }

    private static void meshClient(Variant v, Mesh mesh, String url) {
        v.client = MeshOkHttp.configure(base(v), mesh).build();
        v.request = new Request.Builder().url(url).build();
    }

    /** The client's Istio YAML: the plaintext and the mTLS destination, each one STATIC endpoint on loopback. */
    static String clientYaml(int meshPort, int mtlsPort) {
        StringBuilder b = new StringBuilder();
        if (meshPort > 0) {
            b.append(destination("bench-server", meshPort, false));
        }
        if (mtlsPort > 0) {
            b.append(destination("bench-server-mtls", mtlsPort, true));
        }
        return b.toString();
    }

    private static String destination(String host, int port, boolean mtls) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s, namespace: bench}
                spec:
                  hosts: [%1$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %2$d}, labels: {app: bench-server, version: v1}, serviceAccount: %4$s}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %1$s, namespace: bench}
                spec:
                  hosts: [%1$s]
                  http:
                  - name: data
                    match:
                    - uri: {prefix: /data}
                    - uri: {prefix: /bench/}
                    route:
                    - destination: {host: %1$s, subset: v1}
                    timeout: 10s
                    retries: {attempts: 2, perTryTimeout: 5s, retryOn: "connect-failure,refused-stream,reset,503"}
                  - name: default
                    route:
                    - destination: {host: %1$s, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s, namespace: bench}
                spec:
                  host: %1$s
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}
                %3$s  subsets:
                  - name: v1
                    labels: {version: v1}
                """.formatted(host, port, mtls ? "    tls: {mode: ISTIO_MUTUAL}\n" : "", SERVER_SA);
    }

    // ---- servers

    /** Whether the starter on the classpath has the mesh.certificates.* properties that make Tomcat serve mesh TLS. */
    static boolean starterServesMeshTls() {
        try {
            Class<?> props = Class.forName("io.inmesh.spring.MeshProperties");
            return java.util.Arrays.stream(props.getRecordComponents()).anyMatch(c -> c.getName().equals("certificates"));
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static Child startServer(String name, String cpus, int port, boolean meshOn, Path caDir, Path work,
                                     Options o) throws IOException {
        Path config = Files.createDirectories(work.resolve(name + "-config"));
        Files.writeString(config.resolve("peer-authentication.yaml"), """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: bench}
                spec:
                  mtls: {mode: %s}
                """.formatted(caDir != null ? "STRICT" : "PERMISSIVE"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms512m", "-Xmx512m"));
        for (String option : o.serverJvm()) {
            cmd.add(option.replace("{name}", name));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchServer.class.getName(),
                "--server.address=127.0.0.1", "--server.port=" + port,
                "--server.tomcat.max-keep-alive-requests=-1", "--server.tomcat.keep-alive-timeout=300s",
                "--spring.main.banner-mode=off", "--spring.application.name=bench-server",
                "--logging.level.root=WARN",
                "--mesh.enabled=" + meshOn, "--mesh.namespace=" + NAMESPACE, "--mesh.service-account=" + SERVER_SA,
                "--mesh.labels.app=bench-server", "--mesh.labels.version=v1",
                "--mesh.config.locations=" + config));
        if (caDir != null) {
            cmd.add("--mesh.certificates.source=built-in-ca");
            cmd.add("--mesh.certificates.ca-directory=" + caDir);
        }
        log("starting " + name + " on port " + port + (cpus == null ? "" : ", CPUs " + cpus));
        return Child.start(name, cpus, cmd, work.resolve(name + ".log"));
    }

    private static void awaitPort(Child c, int... ports) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (int port : ports) {
            while (true) {
                c.checkAlive();
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(c.name + " is not listening on port " + port
                                + " after 180 s; its output:\n" + c.tail());
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- checks

    private static String get(Variant v, String path) throws IOException {
        Request r = v.request.newBuilder().url(v.request.url().resolve(path)).build();
        try (Response response = v.client.newCall(r).execute()) {
            String body = response.body().string();
            if (response.code() != 200) {
                throw new IllegalStateException(v.key + ": GET " + path + " answered " + response.code() + ": " + body);
            }
            return body;
        }
    }

    /** Fails unless the variant's path is what it claims to be. */
    private static void checkBefore(Variant v) throws Exception {
        String check = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (check == null) {
            try {
                check = get(v, "/bench/check");
            } catch (IOException | IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(v.key + ": the server does not answer /bench/check: " + e, e);
                }
                for (Child c : v.path) {
                    c.checkAlive();
                }
                Thread.sleep(500);
            }
        }
        boolean meshServer = v.key.startsWith("mesh") && !v.key.equals("mesh_client_only");
        boolean meshClient = v.key.startsWith("mesh") && !v.key.equals("mesh_server_only");
        expect(v, check.contains("mesh=" + meshServer), "the server's mesh is " + (meshServer ? "on" : "off"),
                check);
        expect(v, check.contains("traceparent=-") != meshClient,
                meshClient ? "the mesh client sends a traceparent" : "no traceparent without the mesh", check);
        try (Response response = v.client.newCall(v.request).execute()) {
            byte[] body = response.body().bytes();
            expect(v, response.code() == 200 && body.length == BODY_BYTES, "200 with 1 KiB", response + ", "
                    + body.length + " bytes");
            if (v.key.equals("mesh_mtls")) {
                expect(v, response.handshake() != null && response.handshake().tlsVersion() == TlsVersion.TLS_1_3,
                        "TLS 1.3 to the server", String.valueOf(response.handshake()));
            } else {
                expect(v, response.handshake() == null, "plaintext from the client", String.valueOf(response.handshake()));
            }
        }
        if (v.key.equals("nginx_2hop_mtls")) {
            String seen = get(v, "/nginx-check");
            expect(v, seen.contains("verify=SUCCESS") && seen.contains("protocol=TLSv1.3"),
                    "nginx B verified nginx A's certificate over TLS 1.3", seen);
        }
    }

    /** After the warm-up: the mesh's metrics were recorded on both sides. */
    private static void checkAfter(Variant v, PrometheusMeterRegistry clientRegistry) throws IOException {
        if (!v.key.equals("mesh") && !v.key.equals("mesh_mtls")) {
            return;
        }
        String host = v.key.equals("mesh") ? "bench-server" : "bench-server-mtls";
        String server = get(v, "/bench/check");
        expect(v, server.contains("reporter=\"destination\""), "the server recorded istio_requests_total", server);
        if (v.key.equals("mesh_mtls")) {
            expect(v, server.contains("connection_security_policy=\"mutual_tls\"")
                            && server.contains("source_principal=\"" + CLIENT_ID + "\""),
                    "the server saw the client's SPIFFE ID over mutual TLS", server);
        }
        String client = clientRegistry.scrape().lines()
                .filter(l -> l.startsWith("istio_requests_total{") && l.contains("reporter=\"source\"")
                        && l.contains("destination_service=\"" + host + "." + NAMESPACE + ".svc.cluster.local\""))
                .findFirst().orElse(null);
        expect(v, client != null, "the client recorded istio_requests_total for " + host,
                clientRegistry.scrape().lines().filter(l -> l.startsWith("istio_requests_total{")).toList().toString());
    }

    private static void expect(Variant v, boolean ok, String what, String seen) {
        if (!ok) {
            throw new IllegalStateException(v.key + ": expected " + what + "; got: " + seen);
        }
    }

    // ---- measurements

    private static Map<String, Long> cpu(Map<String, Child> all) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (all == null) {
            return m;
        }
        long self = ProcessHandle.current().pid();
        all.forEach((name, c) -> m.put(name, c == null ? ProcCpu.cpuNanos(self) : c.cpuNanos()));
        return m;
    }

    /** CPU per request of the client and every process on the variant's path, and their total. */
    private static Map<String, Double> cpuPerRequest(Variant v, Map<String, Long> before, Map<String, Long> after,
                                                     long requests) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (before.isEmpty() || requests == 0) {
            return m;
        }
        double total = 0;
        List<String> names = new ArrayList<>();
        names.add("client");
        v.path.forEach(c -> names.add(c.name));
        for (String name : names) {
            double us = (after.get(name) - before.get(name)) / 1e3 / requests;
            m.put(name, us);
            total += us;
        }
        m.put("total", total);
        return m;
    }

    private static void send(Variant v) throws IOException {
        try (Response response = v.client.newCall(v.request).execute()) {
            byte[] body = response.body().bytes();
            if (response.code() != 200 || body.length != BODY_BYTES) {
                throw new IOException(v.key + ": " + response.code() + " with " + body.length + " bytes, flags "
                        + response.header(MeshOkHttp.RESPONSE_FLAGS_HEADER));
            }
        }
    }

    /** Milliseconds spent by the JIT compilers of this JVM and of each variant's server JVM. */
    private static Map<String, Long> jitMillis(List<Variant> running) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("client", java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        for (Variant v : running) {
            m.put(v.key, Long.parseLong(get(v, "/bench/jit").trim()));
        }
        return m;
    }

    /** {@code n} requests one after another on this thread (warm-up). */
    private static void closedLoop(Variant v, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            send(v);
        }
    }

    /** Requests per variant in one turn of the interleaved closed loop. */
    static final int CLOSED_CHUNK = 200;

    /**
     * The closed-loop phase of one repetition, interleaved finely: turns of {@code chunk} requests per variant, in
     * {@code order} rotated by one each turn, until each variant sent {@code n}. A shared machine's slow seconds then
     * fall on every variant alike instead of on whichever ran during them. Each variant's latency, CPU and bytes
     * allocated are summed over its own turns only.
     */
    private static Map<String, Sample> closedLoops(List<Variant> order, int n, int chunk, Map<String, Child> all)
            throws IOException {
        Map<String, Histogram> hist = new LinkedHashMap<>();
        Map<String, long[]> sums = new LinkedHashMap<>(); // took nanos, client bytes, server bytes
        Map<String, Map<String, Long>> cpuSums = new LinkedHashMap<>();
        for (Variant v : order) {
            hist.put(v.key, new Histogram(HIGHEST_NANOS, 3));
            sums.put(v.key, new long[3]);
            cpuSums.put(v.key, new LinkedHashMap<>());
        }
        List<Variant> turn = new ArrayList<>(order);
        for (int done = 0; done < n; done += chunk) {
            int count = Math.min(chunk, n - done);
            for (Variant v : turn) {
                Histogram h = hist.get(v.key);
                long[] sum = sums.get(v.key);
                long serverBefore = Long.parseLong(get(v, "/bench/allocated").trim());
                long clientBefore = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
                Map<String, Long> before = cpu(all);
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long t0 = System.nanoTime();
                    send(v);
                    h.recordValue(Math.min(System.nanoTime() - t0, HIGHEST_NANOS));
                }
                sum[0] += System.nanoTime() - start;
                Map<String, Long> after = cpu(all);
                sum[1] += THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - clientBefore;
                sum[2] += Long.parseLong(get(v, "/bench/allocated").trim()) - serverBefore;
                after.forEach((name, t) -> cpuSums.get(v.key).merge(name, t - before.get(name), Long::sum));
            }
            Collections.rotate(turn, -1);
        }
        Map<String, Sample> out = new LinkedHashMap<>();
        for (Variant v : order) {
            long[] sum = sums.get(v.key);
            Map<String, Long> zero = new LinkedHashMap<>();
            cpuSums.get(v.key).keySet().forEach(k -> zero.put(k, 0L));
            out.put(v.key, sample(hist.get(v.key), n, 0, sum[0], cpuPerRequest(v, zero, cpuSums.get(v.key), n),
                    sum[1] / (double) n, sum[2] / (double) n));
        }
        return out;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Open loop: request i is due at {@code start + i / rate}; a sender takes it when one is free, and its latency
     * runs from the due time to the end of the response body.
     */
    private static Sample openLoop(Variant v, int rate, double seconds, ExecutorService senders,
                                   Map<String, Child> all) throws InterruptedException {
        int count = (int) Math.round(rate * seconds);
        long interval = 1_000_000_000L / rate;
        ConcurrentHistogram h = new ConcurrentHistogram(HIGHEST_NANOS, 3);
        CountDownLatch done = new CountDownLatch(count);
        AtomicLong errors = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        Map<String, Long> before = cpu(all);
        long start = System.nanoTime() + 1_000_000;
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            senders.execute(() -> {
                try {
                    send(v);
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                long end = System.nanoTime();
                h.recordValue(Math.min(end - due, HIGHEST_NANOS));
                lastEnd.accumulateAndGet(end, Math::max);
                done.countDown();
            });
        }
        if (!done.await((long) (seconds * 10) + 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(v.key + ": " + done.getCount() + " of " + count + " requests at " + rate
                    + "/s still running a minute after the schedule ended");
        }
        Map<String, Long> after = cpu(all);
        return sample(h, count, errors.get(), lastEnd.get() - start, cpuPerRequest(v, before, after, count),
                Double.NaN, Double.NaN);
    }

    /** Seconds of one variant's turn at saturation. */
    static final double SATURATION_SLICE_SECONDS = 0.5;

    /**
     * Saturation of each of {@code order}: {@code threads} closed loops, completed requests per second over
     * {@code seconds} each. The variants take turns of {@link #SATURATION_SLICE_SECONDS} (the order reversed each
     * round), so that a shared machine's slow seconds fall on all of them alike; each turn starts with a ramp-up that
     * is not counted (one second on a variant's first turn, 0.2 s later: its connections are pooled by then).
     */
    private static Map<String, Sample> saturations(List<Variant> order, int threads, double seconds,
                                                   Map<String, Child> all) throws InterruptedException {
        int turns = Math.max(1, (int) Math.round(seconds / SATURATION_SLICE_SECONDS));
        long turnMillis = Math.round(seconds * 1000 / turns);
        Map<String, Turns> sums = new LinkedHashMap<>();
        order.forEach(v -> sums.put(v.key, new Turns()));
        for (int turn = 0; turn < turns; turn++) {
            List<Variant> round = new ArrayList<>(order);
            if (turn % 2 == 1) {
                Collections.reverse(round);
            }
            for (Variant v : round) {
                saturationTurn(v, threads, turn == 0 ? 1000 : 200, turnMillis, all, sums.get(v.key));
            }
        }
        Map<String, Sample> out = new LinkedHashMap<>();
        for (Variant v : order) {
            Turns t = sums.get(v.key);
            double rps = t.completed / (t.nanos / 1e9);
            out.put(v.key, new Sample(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, rps,
                    t.completed, t.errors, cpuPerRequest(v, t.cpuBefore, t.cpuAfter, t.completed), Double.NaN,
                    Double.NaN));
        }
        return out;
    }

    /** One variant's sums over its saturation turns; CPU as a virtual before (0) and after (the sum of the turns). */
    private static final class Turns {
        long completed;
        long errors;
        long nanos;
        final Map<String, Long> cpuBefore = new LinkedHashMap<>();
        final Map<String, Long> cpuAfter = new LinkedHashMap<>();
    }

    /** {@code threads} closed loops for {@code rampMillis} (not counted) then {@code millis}, added to {@code sums}. */
    private static void saturationTurn(Variant v, int threads, long rampMillis, long millis, Map<String, Child> all,
                                       Turns sums) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        send(v);
                        completed.incrementAndGet();
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    }
                }
            }, "saturation-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        Thread.sleep(rampMillis);
        long n0 = completed.get();
        long e0 = errors.get();
        Map<String, Long> before = cpu(all);
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        long n1 = completed.get();
        long t1 = System.nanoTime();
        Map<String, Long> after = cpu(all);
        long e1 = errors.get();
        stop.set(true);
        for (Thread t : workers) {
            t.join(30_000);
        }
        sums.completed += n1 - n0;
        sums.errors += e1 - e0;
        sums.nanos += t1 - t0;
        before.forEach((name, b) -> {
            sums.cpuBefore.putIfAbsent(name, 0L);
            sums.cpuAfter.merge(name, after.get(name) - b, Long::sum);
        });
    }

    private static Sample sample(Histogram h, long requests, long errors, long nanos, Map<String, Double> cpu,
                                 double clientBytes, double serverBytes) {
        return new Sample(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
                h.getMean() / 1e3, requests / (nanos / 1e9), requests, errors, cpu, clientBytes, serverBytes);
    }

    // ---- results

    private static Map<String, Object> results(Options o, Map<String, Variant> variants, Map<String, List<Rep>> reps,
                                               Instant started, String clientCpus, String serverCpus,
                                               Map<String, Child> all) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("date", started.toString());
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("reps", o.reps());
        setup.put("warmup_requests", o.warmup());
        setup.put("closed_requests", o.closed());
        setup.put("rates", o.rates());
        setup.put("rate_seconds", o.rateSeconds());
        setup.put("cpu_rate", o.cpuRate());
        setup.put("saturation_seconds", o.saturationSeconds());
        setup.put("saturation_threads", o.saturationThreads());
        setup.put("client_cpus", clientCpus);
        setup.put("server_cpus", serverCpus);
        Map<String, Object> procs = new LinkedHashMap<>();
        all.forEach((k, c) -> procs.put(k, c == null ? List.of(ProcessHandle.current().pid())
                : java.util.Arrays.stream(c.pids()).boxed().toList()));
        setup.put("processes", procs);
        setup.put("clock_ticks_per_second", ProcCpu.TICKS_PER_SECOND);
        out.put("setup", setup);

        List<Rep> plain = reps.get("plain");
        Map<String, Object> vs = new LinkedHashMap<>();
        for (Variant v : variants.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            vs.put(v.key, m);
            if (v.missing != null) {
                m.put("missing", v.missing);
                continue;
            }
            List<Rep> rs = reps.get(v.key);
            m.put("connections_opened", v.connections.get());
            m.put("closed", medians(rs, r -> r.closed));
            m.put("closed_added", v.key.equals("plain") ? null : addedMedians(rs, plain, r -> r.closed));
            Map<String, Object> open = new LinkedHashMap<>();
            Map<String, Object> openAdded = new LinkedHashMap<>();
            for (int rate : o.rates()) {
                open.put(Integer.toString(rate), medians(rs, r -> r.open.get(rate)));
                if (!v.key.equals("plain")) {
                    openAdded.put(Integer.toString(rate), addedMedians(rs, plain, r -> r.open.get(rate)));
                }
            }
            m.put("open", open);
            m.put("open_added", v.key.equals("plain") ? null : openAdded);
            m.put("cpu_us_per_request", Stats.round1(Stats.median(rs.stream()
                    .map(r -> r.open.get(o.cpuRate()).cpuTotal()).toList())));
            if (SATURATED.contains(v.key)) {
                m.put("saturation_rps", Stats.round1(Stats.median(rs.stream().map(r -> r.saturation.rps()).toList())));
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++) {
                    ratios.add(rs.get(i).saturation.rps() / plain.get(i).saturation.rps());
                }
                m.put("saturation_ratio", Stats.round3(Stats.median(ratios)));
                m.put("saturation_cpu_us_per_request",
                        Stats.round1(Stats.median(rs.stream().map(r -> r.saturation.cpuTotal()).toList())));
            }
            List<Object> raw = new ArrayList<>();
            for (Rep r : rs) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("closed", r.closed.json());
                Map<String, Object> op = new LinkedHashMap<>();
                r.open.forEach((rate, s) -> op.put(Integer.toString(rate), s.json()));
                one.put("open", op);
                if (r.saturation != null) {
                    one.put("saturation", r.saturation.json());
                }
                raw.add(one);
            }
            m.put("repetitions", raw);
        }
        out.put("variants", vs);
        return out;
    }

    private static Map<String, Object> medians(List<Rep> rs, java.util.function.Function<Rep, Sample> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50_us", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).p50()).toList())));
        m.put("p90_us", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).p90()).toList())));
        m.put("p99_us", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).p99()).toList())));
        m.put("p999_us", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).p999()).toList())));
        m.put("mean_us", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).mean()).toList())));
        m.put("rps", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).rps()).toList())));
        m.put("errors", rs.stream().mapToLong(r -> f.apply(r).errors()).sum());
        m.put("cpu_us_per_request", Stats.round1(Stats.median(rs.stream().map(r -> f.apply(r).cpuTotal()).toList())));
        Map<String, Object> per = new LinkedHashMap<>();
        for (String name : f.apply(rs.get(0)).cpuUsPerRequest().keySet()) {
            if (!name.equals("total")) {
                per.put(name, Stats.round1(Stats.median(rs.stream()
                        .map(r -> f.apply(r).cpuUsPerRequest().get(name)).toList())));
            }
        }
        m.put("cpu_us_per_request_by_process", per);
        if (!Double.isNaN(f.apply(rs.get(0)).clientBytes())) {
            m.put("client_bytes_per_request", Math.round(Stats.median(rs.stream()
                    .map(r -> f.apply(r).clientBytes()).toList())));
            m.put("server_bytes_per_request", Math.round(Stats.median(rs.stream()
                    .map(r -> f.apply(r).serverBytes()).toList())));
        }
        return m;
    }

    /** Medians over repetitions of (this variant minus plain) in the same repetition. */
    private static Map<String, Object> addedMedians(List<Rep> rs, List<Rep> plain,
                                                    java.util.function.Function<Rep, Sample> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p90 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            Sample s = f.apply(rs.get(i));
            Sample p = f.apply(plain.get(i));
            p50.add(s.p50() - p.p50());
            p90.add(s.p90() - p.p90());
            p99.add(s.p99() - p.p99());
            cpu.add(s.cpuTotal() - p.cpuTotal());
        }
        m.put("p50_us", Stats.round1(Stats.median(p50)));
        m.put("p90_us", Stats.round1(Stats.median(p90)));
        m.put("p99_us", Stats.round1(Stats.median(p99)));
        m.put("cpu_us_per_request", Stats.round1(Stats.median(cpu)));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static String table(Options o, Map<String, Variant> variants, Map<String, Object> out) {
        Map<String, Object> vs = (Map<String, Object>) out.get("variants");
        StringBuilder b = new StringBuilder();
        b.append(String.format("%n%-16s %9s %9s %9s %9s %9s %9s %10s %10s%n", "closed loop", "p50 us", "p90 us",
                "p99 us", "+p50", "+p90", "+p99", "cpu us/req", "sat. rps"));
        for (Variant v : variants.values()) {
            Map<String, Object> m = (Map<String, Object>) vs.get(v.key);
            if (m.containsKey("missing")) {
                b.append(String.format("%-16s missing: %s%n", v.key, m.get("missing")));
                continue;
            }
            Map<String, Object> c = (Map<String, Object>) m.get("closed");
            Map<String, Object> a = (Map<String, Object>) m.get("closed_added");
            b.append(String.format("%-16s %9s %9s %9s %9s %9s %9s %10s %10s%n", v.key, c.get("p50_us"),
                    c.get("p90_us"), c.get("p99_us"), a == null ? "" : a.get("p50_us"), a == null ? "" : a.get("p90_us"),
                    a == null ? "" : a.get("p99_us"), m.get("cpu_us_per_request"),
                    m.getOrDefault("saturation_rps", "")));
        }
        for (int rate : o.rates()) {
            b.append(String.format("%nopen loop %5d/s %9s %9s %9s %9s %10s%n", rate, "p50 us", "p90 us", "p99 us",
                    "p99.9 us", "cpu us/req"));
            for (Variant v : variants.values()) {
                Map<String, Object> m = (Map<String, Object>) vs.get(v.key);
                if (m.containsKey("missing")) {
                    continue;
                }
                Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) m.get("open"))
                        .get(Integer.toString(rate));
                b.append(String.format("%-16s %9s %9s %9s %9s %10s%n", v.key, s.get("p50_us"), s.get("p90_us"),
                        s.get("p99_us"), s.get("p999_us"), s.get("cpu_us_per_request")));
            }
        }
        return b.toString();
    }

    // ---- helpers

    static Set<Integer> cpuList(String list) {
        Set<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash < 0) {
                cpus.add(Integer.parseInt(p));
            } else {
                for (int i = Integer.parseInt(p.substring(0, dash)); i <= Integer.parseInt(p.substring(dash + 1)); i++) {
                    cpus.add(i);
                }
            }
        }
        return cpus;
    }

    private static String join(Set<Integer> cpus) {
        return String.join(",", cpus.stream().map(String::valueOf).toList());
    }

    private static String procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IllegalStateException("/proc/self/status has no " + field);
    }

    private static void closeAll(List<AutoCloseable> closing) {
        List<AutoCloseable> copy;
        synchronized (closing) {
            copy = new ArrayList<>(closing);
            closing.clear();
        }
        for (AutoCloseable c : copy) {
            try {
                c.close();
            } catch (Exception e) {
                log("closing " + c + ": " + e);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log("could not delete " + dir + ": " + e);
        }
    }

    static void log(String message) {
        System.err.println("[load " + java.time.LocalTime.now().withNano(0) + "] " + message);
    }
}

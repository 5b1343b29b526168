package io.inmesh.benchmarks.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.inmesh.Mesh;
import io.inmesh.benchmarks.server.BenchServer;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import io.inmesh.Workload;
import io.inmesh.telemetry.MeshTelemetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Bytes allocated and CPU time per request on the calling thread of an OkHttp client: plain, through the mesh to a
 * plaintext destination, and through the mesh with mutual TLS, the mesh configured as the load harness configures
 * its client ({@link LoadHarness#clientYaml}: a VirtualService with retries and a timeout, a DestinationRule with
 * outlier detection, a STATIC ServiceEntry; telemetry sampling 1%). The servers are JDK HTTP servers in this process
 * answering 200 with 1 KiB. Arguments: requests per round (20000), rounds (5), the variants to run (comma-separated,
 * default {@code plain,mesh,mesh-mtls}; one alone, for a profiler attached to this process). Prints per variant the median over
 * rounds of {@code bytes_per_req} and {@code cpu_us_per_req} (calling thread only).
 */
public final class ClientAllocation {
    private static final SpiffeId SERVER_ID = SpiffeId.parse("spiffe://cluster.local/ns/bench/sa/bench-server");
    private static final SpiffeId CLIENT_ID = SpiffeId.parse("spiffe://cluster.local/ns/bench/sa/bench-client");
    private static final byte[] BODY = new byte[1024];

    private ClientAllocation() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> only = List.of((args.length > 2 ? args[2] : "plain,mesh,mesh-mtls").split(","));
        System.setProperty("sun.net.httpserver.nodelay", "true");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        Path work = Files.createTempDirectory("inmesh-client-alloc");
        Path caDir = Files.createDirectories(work.resolve("ca"));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer plainServer = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        plainServer.createContext("/", ClientAllocation::answer);
        plainServer.start();
        try (CertificateSource serverSource = CertificateSources.builtInCa(caDir, SERVER_ID);
             MeshTls serverTls = MeshTls.create(serverSource)) {
            HttpsServer tlsServer = HttpsServer.create(new InetSocketAddress(loopback, 0), 0);
            tlsServer.setHttpsConfigurator(new HttpsConfigurator(serverTls.serverContext()) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setSSLParameters(serverTls.serverParameters(true));
                }
            });
            tlsServer.createContext("/", ClientAllocation::answer);
            tlsServer.start();
            int plainPort = plainServer.getAddress().getPort();
            Path config = Files.createDirectories(work.resolve("config"));
            Files.writeString(config.resolve("bench.yaml"), LoadHarness.clientYaml(plainPort,
                    tlsServer.getAddress().getPort()));
            OpenTelemetrySdk sdk = BenchServer.sdk();
            try (Mesh mesh = Mesh.builder()
                    .workload(new Workload("bench", "bench-client", Map.of("app", "bench-client", "version", "v1")))
                    .config(ConfigSources.directory(config))
                    .certificates(CertificateSources.builtInCa(caDir, CLIENT_ID))
                    .telemetry(telemetry(sdk))
                    .build()) {
                OkHttpClient base = new OkHttpClient.Builder().protocols(List.of(Protocol.HTTP_1_1)).build();
                OkHttpClient meshClient = MeshOkHttp.configure(base.newBuilder(), mesh).build();
                String[] names = {"plain", "mesh", "mesh-mtls"};
                OkHttpClient[] clients = {base, meshClient, meshClient};
                Request[] reqs = {
                    new Request.Builder().url("http://127.0.0.1:" + plainPort + "/data").build(),
                    new Request.Builder().url("http://bench-server:8080/data").build(),
                    new Request.Builder().url("http://bench-server-mtls:8080/data").build()};
                double[][] bytes = new double[3][rounds];
                double[][] cpu = new double[3][rounds];
                for (String name : only) {
                    if (!List.of(names).contains(name)) {
                        throw new IllegalArgumentException("unknown variant " + name + "; known: " + List.of(names));
                    }
                }
                for (int v = 0; v < 3; v++) {
                    if (only.contains(names[v])) {
                        run(clients[v], reqs[v], requests); // warm-up
                    }
                }
                for (int r = 0; r < rounds; r++) {
                    for (int v = 0; v < 3; v++) {
                        if (!only.contains(names[v])) {
                            continue;
                        }
                        long b0 = threads.getCurrentThreadAllocatedBytes();
                        long c0 = threads.getCurrentThreadCpuTime();
                        run(clients[v], reqs[v], requests);
                        cpu[v][r] = (threads.getCurrentThreadCpuTime() - c0) / 1000.0 / requests;
                        bytes[v][r] = (threads.getCurrentThreadAllocatedBytes() - b0) / (double) requests;
                    }
                }
                for (int v = 0; v < 3; v++) {
                    if (!only.contains(names[v])) {
                        continue;
                    }
                    System.out.printf("variant=%s bytes_per_req=%.0f cpu_us_per_req=%.1f%n", names[v],
                            median(bytes[v]), median(cpu[v]));
                }
            } finally {
                sdk.close();
                tlsServer.stop(0);
            }
        } finally {
            plainServer.stop(0);
        }
    }

    /**
     * The client mesh's telemetry: as the load harness's, or with the system property {@code bench.telemetry} set to
     * {@code off} (none), {@code no-metrics} or {@code no-tracing}, to see what each part costs.
     */
    private static MeshTelemetry telemetry(OpenTelemetrySdk sdk) {
        String mode = System.getProperty("bench.telemetry", "on");
        switch (mode) {
            case "off":
                return MeshTelemetry.disabled();
            case "no-metrics":
                return MeshTelemetry.builder().openTelemetry(sdk).samplingPercent(1).build();
            case "no-tracing":
                return MeshTelemetry.builder().tracing(false)
                        .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).build();
            case "on":
                return MeshTelemetry.builder().openTelemetry(sdk)
                        .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                        .samplingPercent(1).build();
            default:
                throw new IllegalArgumentException("bench.telemetry=" + mode + ": expected on, off, no-metrics or"
                        + " no-tracing");
        }
    }

    private static void run(OkHttpClient client, Request request, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            try (Response response = client.newCall(request).execute()) {
                if (response.code() != 200) {
                    throw new IllegalStateException("status " + response.code() + " " + response.headers());
                }
                response.body().source().skip(BODY.length);
            }
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        exchange.sendResponseHeaders(200, BODY.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
        }
    }
}

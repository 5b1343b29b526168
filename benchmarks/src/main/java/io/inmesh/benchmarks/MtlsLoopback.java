package io.inmesh.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;

/**
 * The per-request cost of mutual TLS on a kept-alive connection against plaintext, on loopback: one OkHttp client per
 * variant sends GETs one after another (closed loop, one thread, one connection kept alive) to a JDK
 * {@link HttpServer} in the same process that answers 200 with 1 KiB. The mTLS variant is the same client with the
 * mesh's TLS as the OkHttp adapter sets it ({@link MeshTls#clientSocketFactory} of workload {@code productpage},
 * expecting {@code reviews}; its trust manager; no host name check, the SPIFFE ID being checked in the handshake),
 * and an {@link HttpsServer} on {@link MeshTls#serverContext()} with {@link MeshTls#serverParameters(boolean)}
 * requiring a client certificate (STRICT). Both workloads' certificates come from one built-in CA in a temporary
 * directory. The one handshake happens in the warm-up; what is measured is records, not handshakes.
 *
 * <p>Arguments: requests per round (10000), rounds (5), warm-up requests per variant (10000). Rounds alternate the
 * order of the variants. Per variant, the median over rounds of each round's p50, p90, p99 and mean latency, and of
 * the process CPU time per request (client and server together, JIT and GC included); then the median over rounds of
 * the per-round differences, mTLS minus plaintext. Prints {@code variant=plain|mtls|mtls-minus-plain p50_us=.. p90_us=..
 * p99_us=.. mean_us=.. cpu_us=.. connections=N}; {@code connections} is how many connections the client opened over
 * the whole run (1 expected). The server's Nagle algorithm is off ({@code sun.net.httpserver.nodelay}), as a server
 * answering small requests would have it.
 */
public final class MtlsLoopback {
    static final SpiffeId SERVER_ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    static final SpiffeId CLIENT_ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");
    private static final byte[] BODY = new byte[1024];
    private static final String PEER_HEADER = "x-peer-identity";

    static {
        Arrays.fill(BODY, (byte) 'x');
    }

    private MtlsLoopback() {
    }

    /** One client, its URL and the connections it opened. */
    private static final class Variant {
        final String name;
        final OkHttpClient client;
        final Request request;
        final AtomicInteger connections;

        Variant(String name, OkHttpClient client, String url, AtomicInteger connections) {
            this.name = name;
            this.client = client;
            this.request = new Request.Builder().url(url).build();
            this.connections = connections;
        }
    }

    /** Statistics of one round of one variant, in microseconds. */
    private record Round(double p50, double p90, double p99, double mean, double cpu) {
        Round minus(Round o) {
            return new Round(p50 - o.p50, p90 - o.p90, p99 - o.p99, mean - o.mean, cpu - o.cpu);
        }
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Path caDir = Files.createTempDirectory("inmesh-bench-ca");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer plainServer = null;
        HttpsServer tlsServer = null;
        try (CertificateSource serverSource = CertificateSources.builtInCa(caDir, SERVER_ID);
             CertificateSource clientSource = CertificateSources.builtInCa(caDir, CLIENT_ID);
             MeshTls serverTls = MeshTls.create(serverSource);
             MeshTls clientTls = MeshTls.create(clientSource)) {
            plainServer = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
            plainServer.createContext("/", MtlsLoopback::answer);
            plainServer.start();
            tlsServer = HttpsServer.create(new InetSocketAddress(loopback, 0), 0);
            tlsServer.setHttpsConfigurator(new HttpsConfigurator(serverTls.serverContext()) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setSSLParameters(serverTls.serverParameters(true));
                }
            });
            tlsServer.createContext("/", MtlsLoopback::answer);
            tlsServer.start();

            AtomicInteger plainConnections = new AtomicInteger();
            AtomicInteger tlsConnections = new AtomicInteger();
            OkHttpClient base = new OkHttpClient.Builder()
                    .protocols(List.of(Protocol.HTTP_1_1))
                    .retryOnConnectionFailure(false)
                    .build();
            Variant plain = new Variant("plain", base.newBuilder()
                    .connectionPool(new ConnectionPool(1, 5, TimeUnit.MINUTES))
                    .eventListener(counting(plainConnections))
                    .build(), "http://" + loopback.getHostAddress() + ":" + plainServer.getAddress().getPort() + "/data",
                    plainConnections);
            Variant mtls = new Variant("mtls", base.newBuilder()
                    .connectionPool(new ConnectionPool(1, 5, TimeUnit.MINUTES))
                    .eventListener(counting(tlsConnections))
                    .sslSocketFactory(clientTls.clientSide(Set.of(SERVER_ID)).socketFactory(), clientTls.trustManager())
                    .hostnameVerifier(clientTls.clientSide(Set.of(SERVER_ID)).hostnameVerifier()) // SPIFFE ID, not name
                    .build(), "https://" + loopback.getHostAddress() + ":" + tlsServer.getAddress().getPort() + "/data",
                    tlsConnections);
            checkMutualTls(mtls);

            for (int i = 0; i < warmup; i += 1000) {
                run(plain, Math.min(1000, warmup - i), null);
                run(mtls, Math.min(1000, warmup - i), null);
            }
            long[] latencies = new long[requests];
            Round[][] results = new Round[2][rounds];
            for (int r = 0; r < rounds; r++) {
                boolean plainFirst = r % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    Variant v = (k == 0) == plainFirst ? plain : mtls;
                    results[v == plain ? 0 : 1][r] = run(v, requests, latencies);
                }
            }
            Round[] differences = new Round[rounds];
            for (int r = 0; r < rounds; r++) {
                differences[r] = results[1][r].minus(results[0][r]);
            }
            print("plain", median(results[0]), plainConnections.get());
            print("mtls", median(results[1]), tlsConnections.get());
            print("mtls-minus-plain", median(differences), -1);
            plain.client.connectionPool().evictAll();
            mtls.client.connectionPool().evictAll();
        } finally {
            if (plainServer != null) {
                plainServer.stop(0);
            }
            if (tlsServer != null) {
                tlsServer.stop(0);
            }
            try (Stream<Path> files = Files.walk(caDir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Answers 200 with 1 KiB; on TLS, tells the client's SPIFFE ID when asked. */
    private static void answer(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        if (exchange instanceof HttpsExchange https && exchange.getRequestHeaders().containsKey(PEER_HEADER)) {
            SpiffeId peer = MeshTls.peerIdentity(https.getSSLSession());
            exchange.getResponseHeaders().set(PEER_HEADER, String.valueOf(peer));
        }
        exchange.getResponseHeaders().set("content-type", "application/octet-stream");
        exchange.sendResponseHeaders(200, BODY.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
        }
    }

    private static EventListener counting(AtomicInteger connections) {
        return new EventListener() {
            @Override
            public void connectStart(Call call, InetSocketAddress address, java.net.Proxy proxy) {
                connections.incrementAndGet();
            }
        };
    }

    /** Fails unless the mTLS variant speaks TLS 1.3 and the server sees the client's SPIFFE ID. */
    private static void checkMutualTls(Variant mtls) throws IOException {
        Request ask = mtls.request.newBuilder().header(PEER_HEADER, "?").build();
        try (Response response = mtls.client.newCall(ask).execute()) {
            String peer = response.header(PEER_HEADER);
            if (response.code() != 200 || response.handshake() == null
                    || response.handshake().tlsVersion() != TlsVersion.TLS_1_3 || !CLIENT_ID.toString().equals(peer)) {
                throw new IllegalStateException("mTLS check: " + response + ", " + response.handshake()
                        + ", server saw peer " + peer);
            }
        }
    }

    /** Sends {@code n} requests one after another; with {@code latencies}, measures them. */
    private static Round run(Variant v, int n, long[] latencies) throws IOException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long total = 0;
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try (Response response = v.client.newCall(v.request).execute()) {
                byte[] body = response.body().bytes();
                if (response.code() != 200 || body.length != BODY.length) {
                    throw new IllegalStateException(v.name + ": " + response + ", " + body.length + " bytes");
                }
            }
            long took = System.nanoTime() - start;
            total += took;
            if (latencies != null) {
                latencies[i] = took;
            }
        }
        if (latencies == null) {
            return null;
        }
        double cpu = (os.getProcessCpuTime() - cpuBefore) / 1e3 / n;
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Round(percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), total / 1e3 / n, cpu);
    }

    private static double percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e3;
    }

    private static Round median(Round[] rounds) {
        return new Round(median(rounds, Round::p50), median(rounds, Round::p90), median(rounds, Round::p99),
                median(rounds, Round::mean), median(rounds, Round::cpu));
    }

    private static double median(Round[] rounds, java.util.function.ToDoubleFunction<Round> f) {
        double[] v = Arrays.stream(rounds).mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void print(String variant, Round r, int connections) {
        System.out.printf("variant=%s p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f cpu_us=%.1f%s%n", variant, r.p50,
                r.p90, r.p99, r.mean, r.cpu, connections < 0 ? "" : " connections=" + connections);
    }
}

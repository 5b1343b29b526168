package io.inmesh.spring.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.spring.internal.client.OkHttpClientHttpConnector;
import io.inmesh.spring.internal.client.OkHttpClientHttpRequestFactory;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What RestClient and WebClient over the mesh cost beyond the mesh's OkHttpClient itself: closed-loop GETs of a 1 KiB
 * body on one keep-alive connection to a loopback server, through one mesh (a ServiceEntry, a VirtualService with a
 * retry policy), the three clients interleaved in rounds, median per-request time of each round. A measurement, not
 * a test: it runs only with {@code -Dinmesh.measure=true} and asserts only that the answers are right.
 *
 * <pre>mvn -B -ntp -o -q verify -pl mesh-spring-boot-starter -am -Dtest=ClientOverheadMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dinmesh.measure=true</pre>
 */
@EnabledIfSystemProperty(named = "inmesh.measure", matches = "true")
class ClientOverheadMeasurement {
    static final int WARM_UP = 3_000;
    static final int ROUNDS = 7;
    static final int PER_ROUND = 2_000;

    @Test
    void measure() throws Exception {
        byte[] kib = "x".repeat(1024).getBytes(StandardCharsets.US_ASCII);
        // the JDK server writes head and body apart: without TCP_NODELAY, Nagle and delayed ACKs add 40 ms each
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, kib.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(kib);
            }
        });
        server.start();
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: default}
                spec:
                  hosts: [ratings]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: default}
                spec:
                  hosts: [ratings]
                  http:
                  - retries: {attempts: 2, retryOn: "503"}
                    route: [{destination: {host: ratings}}]
                """.formatted(server.getAddress().getPort());
        try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                .configFiles(List.of(new ConfigFile("ratings.yaml", yaml.getBytes(StandardCharsets.UTF_8))))
                .build()) {
            OkHttpClient okHttp = MeshOkHttp.newClient(mesh);
            RestClient rest = RestClient.builder().baseUrl("http://ratings:9080")
                    .requestFactory(new OkHttpClientHttpRequestFactory(okHttp)).build();
            WebClient web = WebClient.builder().baseUrl("http://ratings:9080")
                    .clientConnector(new OkHttpClientHttpConnector(okHttp)).build();
            Request request = new Request.Builder().url("http://ratings:9080/r").build();

            Map<String, Supplier<Integer>> clients = new LinkedHashMap<>();
            clients.put("mesh OkHttpClient", () -> {
                try (Response r = okHttp.newCall(request).execute()) {
                    return r.body().bytes().length;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            clients.put("RestClient", () -> rest.get().uri("/r").retrieve().body(byte[].class).length);
            clients.put("WebClient (block)", () -> web.get().uri("/r").retrieve().bodyToMono(byte[].class)
                    .block(Duration.ofSeconds(10)).length);

            for (Supplier<Integer> c : clients.values()) {
                for (int i = 0; i < WARM_UP; i++) {
                    assertThat(c.get()).isEqualTo(1024);
                }
            }
            Map<String, List<Double>> medians = new LinkedHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (Map.Entry<String, Supplier<Integer>> c : clients.entrySet()) {
                    long[] nanos = new long[PER_ROUND];
                    for (int i = 0; i < PER_ROUND; i++) {
                        long start = System.nanoTime();
                        int n = c.getValue().get();
                        nanos[i] = System.nanoTime() - start;
                        assertThat(n).isEqualTo(1024);
                    }
                    Arrays.sort(nanos);
                    medians.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(nanos[PER_ROUND / 2] / 1000.0);
                }
            }
            double base = median(medians.get("mesh OkHttpClient"));
            System.out.printf("%-20s %12s %12s   (%d rounds x %d requests, median of round medians)%n", "client",
                    "p50 us", "added us", ROUNDS, PER_ROUND);
            for (Map.Entry<String, List<Double>> e : medians.entrySet()) {
                double m = median(e.getValue());
                System.out.printf("%-20s %12.1f %12.1f   rounds: %s%n", e.getKey(), m, m - base, e.getValue());
            }
        } finally {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}

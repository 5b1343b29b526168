package io.inmesh.spring.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * The endpoints of a service {@code ratings} for the @MeshClient tests: two loopback servers, v1 and v2, each
 * answering {@code <version> <method> <path> <body>}, counting what reaches them per path. A path under
 * {@code /flaky/} is answered 503 the first time and 200 after. {@link #writeConfig} writes the mesh's YAML for them:
 * a ServiceEntry (ports 9080 and 80), subsets, and a VirtualService that routes {@code end-user: jason} to v2, aborts
 * {@code /abort} with 418, retries 503 on {@code /flaky}, and sends the rest to v1.
 */
public final class RatingsBackends implements AutoCloseable {

    /** One endpoint. */
    public static final class Backend {
        public final String version;
        public final MockWebServer server = new MockWebServer();
        public final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
        private final Map<String, AtomicInteger> byPath = new ConcurrentHashMap<>();

        Backend(String version) throws IOException {
            this.version = version;
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    requests.add(request);
                    String path = request.getUrl().encodedPath();
                    int n = byPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                    if (path.startsWith("/flaky/") && n == 1) {
                        return new MockResponse.Builder().code(503).body("busy").build();
                    }
                    String body = request.getBody() == null ? "" : request.getBody().string(StandardCharsets.UTF_8);
                    return new MockResponse.Builder().code(200).addHeader("Content-Type", "text/plain")
                            .body(version + " " + request.getMethod() + " " + path + " " + body).build();
                }
            });
            server.start(InetAddress.getLoopbackAddress(), 0);
        }

        public int port() {
            return server.getPort();
        }

        /** Requests that reached this endpoint for {@code path}. */
        public int count(String path) {
            AtomicInteger n = byPath.get(path);
            return n == null ? 0 : n.get();
        }
    }

    public final Backend v1;
    public final Backend v2;

    public RatingsBackends() {
        try {
            v1 = new Backend("v1");
            v2 = new Backend("v2");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests that reached either endpoint for {@code path}. */
    public int count(String path) {
        return v1.count(path) + v2.count(path);
    }

    /** The mesh's YAML for {@code ratings}, written into {@code dir}; returns {@code dir}. */
    /** The directory {@link #writeConfig} wrote, deleted by {@link #close}. */
    private Path config;

    /** Writes the mesh's YAML into a new temporary directory named {@code prefix...}, and returns that directory. */
    public Path writeConfig(String prefix) {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: default}
                spec:
                  hosts: [ratings]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  - {number: 80, name: http-80, protocol: HTTP}
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %1$d, http-80: %1$d}, labels: {app: ratings, version: v1}}
                  - {address: 127.0.0.1, ports: {http: %2$d, http-80: %2$d}, labels: {app: ratings, version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings, namespace: default}
                spec:
                  host: ratings
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: default}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: ratings, subset: v2}}]
                  - match: [{uri: {prefix: /abort}}]
                    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: ratings, subset: v1}}]
                  - match: [{uri: {prefix: /flaky}}]
                    retries: {attempts: 2, retryOn: "503"}
                    route: [{destination: {host: ratings, subset: v1}}]
                  - route: [{destination: {host: ratings, subset: v1}}]
                """.formatted(v1.port(), v2.port());
        try {
            config = Files.createTempDirectory(prefix);
            Files.writeString(config.resolve("ratings.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    @Override
    public void close() throws IOException {
        v1.server.close();
        v2.server.close();
        if (config != null) {
            Files.deleteIfExists(config.resolve("ratings.yaml"));
            Files.deleteIfExists(config);
        }
    }
}

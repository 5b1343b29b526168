package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.discovery.Endpoint;
import io.inmesh.discovery.EndpointRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Regression tests for defects a review found in the adapter and the traffic plane. */
class MeshOkHttpRegressionTest extends MeshTestSupport {
    @Test
    void gatewayErrorRetriesAConnectionReset() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - retries: {attempts: 2, retryOn: gateway-error}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(b.get("v1").count.get()).as("Envoy retries a reset under gateway-error").isEqualTo(3);
        }
    }

    @Test
    void aFaultDelayDoesNotEatTheRouteTimeout() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - timeout: 500ms
                    fault: {delay: {fixedDelay: 800ms}}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).as("Envoy starts the route timeout after the fault filter").isEqualTo(200);
        }
    }

    @Test
    void cancelDuringBackOffGivesBackTheRetryPermit() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> new MockResponse.Builder().code(503).build();
        // back-off always at its upper bound, so the cancel lands inside it
        Random maxBackoff = new Random(1) {
            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
        Mesh mesh = mesh(Mesh.builder().random(maxBackoff), b.serviceEntry("reviews"),
                b.destinationRule("reviews", "connectionPool: {http: {maxRetries: 1}}"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - retries: {attempts: 1, retryOn: "5xx", backoff: 400ms}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        Call call = client.newCall(new Request.Builder().url("http://reviews:9080/").build());
        Thread t = new Thread(() -> {
            try {
                call.execute().close();
            } catch (IOException expected) {
                // canceled
            }
        });
        t.start();
        org.awaitility.Awaitility.await().until(() -> b.get("v1").count.get() == 1);
        Thread.sleep(100); // inside the 400 ms back-off
        call.cancel();
        t.join(5000);
        int before = b.get("v1").count.get();
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(b.get("v1").count.get() - before).as("the next request may retry once").isEqualTo(2);
        }
    }

    @Test
    void anExceptionDuringATryGivesBackItsPermits() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews",
                "connectionPool: {tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 1}}"));
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(3);
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("an application interceptor failed (expected by the test)");
            }
            return chain.proceed(chain.request());
        }), mesh).build();
        for (int i = 0; i < 3; i++) {
            try (Response r = get(client, "http://reviews:9080/")) {
                throw new AssertionError("expected the interceptor's exception, got " + r.code());
            } catch (IllegalStateException expected) {
                // the permits must come back all the same
            }
        }
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(200);
        }
    }

    @Test
    void aSchemeRedirectKeepsANonDefaultPort() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - redirect: {scheme: https}
                """);
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder().followRedirects(false), mesh).build();
        try (Response r = get(client, "http://reviews:9080/x?a=1")) {
            assertThat(r.header("Location")).as("Envoy strips only :80").isEqualTo("https://reviews:9080/x?a=1");
        }
    }

    @Test
    void aDelegatingRouteLendsItsTimeoutHeadersAndRetriesToTheDelegate() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /api}}]
                    headers: {request: {set: {x-root: "yes"}}}
                    rewrite: {uri: /v2}
                    delegate: {name: reviews-api}
                """, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews-api}
                spec:
                  http:
                  - route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/api/x")) {
            assertThat(r.code()).isEqualTo(200);
            var seen = b.get("v1").requests.get(0);
            assertThat(seen.getHeaders().get("x-root")).isEqualTo("yes");
            assertThat(seen.getTarget()).isEqualTo("/v2/x");
        }
    }

    @Test
    void retryIgnorePreviousHostsFalseRetriesTheSameHost() throws Exception {
        Backends b = backends("a", "b", "c");
        for (String v : List.of("a", "b", "c")) {
            b.get(v).answer = r -> new MockResponse.Builder().code(503).build();
        }
        Mesh mesh = mesh(b.serviceEntry("reviews"),
                b.destinationRule("reviews", "loadBalancer: {consistentHash: {httpHeaderName: x-user}}"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - retries: {attempts: 2, retryOn: "5xx", retryIgnorePreviousHosts: false}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        client.newCall(new Request.Builder().url("http://reviews:9080/").header("x-user", "u1").build()).execute()
                .close();
        assertThat(Math.max(b.get("a").count.get(), Math.max(b.get("b").count.get(), b.get("c").count.get())))
                .as("all three tries on the hashed host").isEqualTo(3);
    }

    @Test
    void mirrorCountersCountACopyOnce() throws Exception {
        Backends b = backends("v1", "shadow");
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - mirror: {host: reviews, subset: shadow}
                    route: [{destination: {host: reviews, subset: v1}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        get(client, "http://reviews:9080/").close();
        org.awaitility.Awaitility.await().until(() -> b.get("shadow").count.get() == 1);
        Thread.sleep(300);
        Object interceptor = client.interceptors().get(client.interceptors().size() - 1);
        var f = interceptor.getClass().getDeclaredField("mirrors");
        f.setAccessible(true);
        io.inmesh.okhttp.internal.Mirrors m = (io.inmesh.okhttp.internal.Mirrors) f.get(interceptor);
        assertThat(m.failed()).isZero();
    }

    @Test
    void endpointsAnExternalRegistryLearnsLaterAreUsedForSubsets() throws Exception {
        Backends b = backends("v1");
        List<Endpoint> eps = new ArrayList<>();
        class Late implements EndpointRegistry {
            volatile List<Endpoint> list;

            @Override
            public List<Endpoint> endpoints(String host, int port) {
                return host.equals("reviews.default.svc.cluster.local") ? list : null;
            }

            @Override
            public boolean knows(String host) {
                return list != null && host.equals("reviews.default.svc.cluster.local");
            }
        }
        Late late = new Late();
        Mesh mesh = mesh(Mesh.builder().random(new Random(3)).endpointRegistry(late), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}]
                """, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        get(client, "http://reviews:9080/").close();
        late.list = List.of(endpoint(b.get("v1").port()));
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(200);
        }
    }

    /**
     * A server that restarted closed the client's kept-alive connections, which OkHttp does not notice before it sends
     * a GET on one (it checks a pooled connection's socket for GETs only cheaply). Envoy would have seen the close and
     * not used the connection, so the mesh sends such a GET again, on the next pooled connection or a new one, outside
     * the retry policy: the caller gets the restarted server's answer under the default policy, which does not retry
     * resets, and the server gets the request once. Found by the fault tests of issue 9.
     */
    @Test
    void aGetOnKeptAliveConnectionsTheServerClosedGoesOutAgainOnANewOne() throws Exception {
        Restartable v1 = new Restartable();
        OkHttpClient client = MeshOkHttp.newClient(v1.mesh);
        keepAlive(client, v1.current(), 3);
        assertThat(client.connectionPool().idleConnectionCount()).as("kept-alive connections").isEqualTo(3);

        Backends.Backend restarted = v1.restart();
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).as("flags %s", r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo(200);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isNull();
            assertThat(r.body().string()).isEqualTo("v1");
        }
        assertThat(restarted.count.get()).as("the restarted server got the GET once").isEqualTo(1);
        assertThat(resends(v1.registry, "stale_connection")).as("one resend per closed pooled connection").isEqualTo(3);

        // a POST is not sent again: OkHttp's thorough check of a pooled connection applies only after 10 s idle, so
        // right after a restart a POST can meet a closed connection too, and fails as a reset (as Envoy's would not)
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(200); // a kept-alive connection to the restarted server
        }
        Backends.Backend again = v1.restart();
        okhttp3.Request post = new okhttp3.Request.Builder().url("http://reviews:9080/")
                .post(okhttp3.RequestBody.create("x", null)).build();
        try (Response r = client.newCall(post).execute()) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UC");
        }
        assertThat(again.count.get()).as("the POST reached no server").isZero();
        assertThat(resends(v1.registry, "stale_connection")).as("the POST was not sent again").isEqualTo(3);
        assertThat(resends(v1.registry, "refused_resumption")).isZero();
    }

    /**
     * Leaves {@code n} kept-alive connections to {@code backend} in the client's pool: {@code n} calls at once, each
     * answered only when all of them reached the server.
     */
    private static void keepAlive(OkHttpClient client, Backends.Backend backend, int n) throws Exception {
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
        backend.answer = r -> {
            try {
                together.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(n + " calls did not meet at the server", e);
            }
            return new MockResponse.Builder().code(200).body("v1").build();
        };
        java.util.concurrent.ExecutorService all = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<String>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(all.submit(() -> body(client, "http://reviews:9080/")));
            }
            for (java.util.concurrent.Future<String> f : calls) {
                assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("v1");
            }
        } finally {
            all.shutdownNow();
        }
        backend.answer = r -> new MockResponse.Builder().code(200).body("v1").build();
    }

    /** The resends of one GET are bounded: after 8, the next closed connection fails the try (a reset). */
    @Test
    void aGetIsSentAgainAtMostEightTimes() throws Exception {
        Restartable v1 = new Restartable();
        OkHttpClient client = MeshOkHttp.configure(new okhttp3.OkHttpClient.Builder().connectionPool(
                new okhttp3.ConnectionPool(20, 5, java.util.concurrent.TimeUnit.MINUTES)), v1.mesh).build();
        keepAlive(client, v1.current(), 10);
        assertThat(client.connectionPool().idleConnectionCount()).as("kept-alive connections").isEqualTo(10);

        Backends.Backend restarted = v1.restart();
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UC");
        }
        assertThat(resends(v1.registry, "stale_connection")).isEqualTo(8);
        assertThat(client.connectionPool().idleConnectionCount()).as("the one closed connection not tried")
                .isEqualTo(1);
        assertThat(restarted.count.get()).as("nine closed connections tried, no new one").isZero();
    }

    /**
     * The backend v1 of {@code reviews} on a port of its own, so that it can restart there, and a mesh whose meters
     * are in {@link #registry}.
     */
    private final class Restartable {
        final int port = Backends.freePortBelowEphemeralRange();
        final Backends backends = backends();
        final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        final Mesh mesh;

        Restartable() throws Exception {
            backends.add("v1", port);
            mesh = mesh(Mesh.builder().random(new Random(42)).telemetry(io.inmesh.telemetry.MeshTelemetry.builder()
                    .meterRegistry(registry).build()), backends.serviceEntry("reviews"));
        }

        /** The server running now. */
        Backends.Backend current() {
            return backends.get("v1");
        }

        /** Closes the server running now (and its connections) and starts another on the same port. */
        Backends.Backend restart() throws IOException {
            current().server.close();
            return backends.add("v1", port);
        }
    }

    /** {@code inmesh_resends_total} of {@code reviews} for {@code reason}. */
    static double resends(io.micrometer.core.instrument.MeterRegistry registry, String reason) {
        io.micrometer.core.instrument.Counter c = registry.find("inmesh.resends")
                .tag("destination_service", "reviews.default.svc.cluster.local").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * The resend is for connections that sat in the pool only: a GET that fails on a connection opened for it (the
     * server accepts, reads the request and closes without answering) is a reset like any other, which the default
     * policy does not retry, and the server saw it once.
     */
    @Test
    void aGetThatFailsOnANewConnectionIsNotSentAgain() throws Exception {
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        try (java.net.ServerSocket hangUp = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!hangUp.isClosed()) {
                    try (java.net.Socket s = hangUp.accept()) {
                        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                                s.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
                        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                            // the request head
                        }
                        received.incrementAndGet();
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "hang-up-server");
            acceptor.setDaemon(true);
            acceptor.start();
            Mesh mesh = mesh(meshServiceEntry(hangUp.getLocalPort(), null, false));
            OkHttpClient client = MeshOkHttp.newClient(mesh);
            try (Response r = get(client, "http://reviews:9080/")) {
                assertThat(r.code()).isEqualTo(503);
                assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UC");
            }
            assertThat(received.get()).as("requests the server read").isEqualTo(1);
        }
    }

    private static Endpoint endpoint(int port) {
        return new Endpoint("127.0.0.1", port, java.util.Map.of("version", "v1"), null, 1);
    }
}

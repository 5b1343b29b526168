package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshOkHttpTest extends MeshTestSupport {
    @Test
    void weightedSplitStaysWithinChiSquareBounds() throws Exception {
        Backends b = backends("v1", "v2", "v3");
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: 60}
                    - {destination: {host: reviews, subset: v2}, weight: 30}
                    - {destination: {host: reviews, subset: v3}, weight: 10}
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        int n = 2000;
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            seen.merge(body(client, "http://reviews:9080/r/" + i), 1, Integer::sum);
        }
        double[] expected = {0.6 * n, 0.3 * n, 0.1 * n};
        String[] versions = {"v1", "v2", "v3"};
        double chi2 = 0;
        for (int i = 0; i < 3; i++) {
            double o = seen.getOrDefault(versions[i], 0);
            chi2 += (o - expected[i]) * (o - expected[i]) / expected[i];
        }
        assertThat(chi2).as("chi-square with 2 degrees of freedom, %s", seen).isLessThan(13.816); // p = 0.001
        assertThat(b.get("v1").count.get() + b.get("v2").count.get() + b.get("v3").count.get()).isEqualTo(n);
        assertThat(b.get("v1").requests.get(0).getHeaders().get("Host")).isEqualTo("reviews:9080");
    }

    @Test
    void headerRoutingAndResponseFlagsForNoRoute() throws Exception {
        Backends b = backends("v1", "v2");
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - match: [{uri: {prefix: /reviews}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        assertThat(body(client, "http://reviews:9080/reviews/1", "end-user", "jason")).isEqualTo("v2");
        assertThat(body(client, "http://reviews:9080/reviews/1")).isEqualTo("v1");
        try (Response r = get(client, "http://reviews:9080/other")) {
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("NR");
        }
        assertThat(b.total()).isEqualTo(2);
    }

    @Test
    void theDefaultPolicyDoesNotRetry503ButRetriesConnectFailuresOnAnotherEndpoint() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> new MockResponse.Builder().code(503).body("busy").build();
        // a second endpoint that refuses connections: a port that was open and is closed now
        java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        int deadPort = closed.getLocalPort();
        closed.close();
        String se = b.serviceEntry("reviews") + "  - {address: 127.0.0.1, ports: {http: " + deadPort
                + "}, labels: {version: dead}}\n";
        Mesh mesh = mesh(se);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        for (int i = 0; i < 20; i++) {
            try (Response r = get(client, "http://reviews:9080/")) {
                assertThat(r.code()).as("a refused connection is retried on the live endpoint").isEqualTo(503);
                assertThat(r.body().string()).isEqualTo("busy");
            }
        }
        assertThat(b.get("v1").count.get()).as("503 is not retried by the default policy").isEqualTo(20);
    }

    @Test
    void configuredRetriesAreCountedAtTheServers() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> new MockResponse.Builder().code(502).build();
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - retries: {attempts: 3, retryOn: gateway-error}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(502);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("URX");
        }
        assertThat(b.get("v1").count.get()).isEqualTo(4);
    }

    @Test
    void perTryAndOverallTimeouts() throws Exception {
        Backends b = backends("v1");
        b.get("v1").answer = r -> new MockResponse.Builder().code(200).headersDelay(1500, TimeUnit.MILLISECONDS)
                .body("slow").build();
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /per-try}}]
                    retries: {attempts: 2, perTryTimeout: 200ms, retryOn: "5xx"}
                    route: [{destination: {host: reviews}}]
                  - timeout: 300ms
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/per-try")) {
            assertThat(r.code()).isEqualTo(504);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("URX,UT");
            assertThat(r.body().string()).isEqualTo("upstream request timeout");
        }
        assertThat(b.get("v1").count.get()).as("three tries").isEqualTo(3);
        try (Response r = get(client, "http://reviews:9080/overall")) {
            assertThat(r.code()).isEqualTo(504);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UT");
        }
        assertThat(b.get("v1").count.get()).as("the default policy does not retry a timeout").isEqualTo(4);
    }

    @Test
    void outlierDetectionEjectsAFailingEndpointAndTakesItBack() throws Exception {
        Backends b = backends("v1", "v2", "v3");
        b.get("v3").answer = r -> new MockResponse.Builder().code(500).body("broken").build();
        AtomicLong now = new AtomicLong();
        Mesh mesh = mesh(Mesh.builder().random(new Random(7)).nanoClock(now::get), b.serviceEntry("reviews"),
                b.destinationRule("reviews", """
                        loadBalancer: {simple: ROUND_ROBIN}
                        outlierDetection:
                          consecutive5xxErrors: 2
                          interval: 1s
                          baseEjectionTime: 30s
                          maxEjectionPercent: 100
                        """));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        for (int i = 0; i < 30; i++) {
            body(client, "http://reviews:9080/");
        }
        assertThat(b.get("v3").count.get()).as("ejected after two consecutive 5xx").isEqualTo(2);
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        for (int i = 0; i < 30; i++) {
            body(client, "http://reviews:9080/");
        }
        assertThat(b.get("v3").count.get()).as("back after the ejection time, then ejected again").isEqualTo(4);
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        for (int i = 0; i < 30; i++) {
            body(client, "http://reviews:9080/");
        }
        assertThat(b.get("v3").count.get()).as("the second ejection lasts 60 s").isEqualTo(4);
    }

    @Test
    void faultAbortAndDelay() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /abort}}]
                    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: reviews}}]
                  - match: [{uri: {prefix: /grpc}}]
                    fault: {abort: {grpcStatus: UNAVAILABLE}}
                    route: [{destination: {host: reviews}}]
                  - fault: {delay: {fixedDelay: 300ms}}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/abort")) {
            assertThat(r.code()).isEqualTo(418);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("FI");
            assertThat(r.body().string()).isEqualTo("fault filter abort");
        }
        try (Response r = get(client, "http://reviews:9080/grpc")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("grpc-status")).isEqualTo("14");
        }
        assertThat(b.get("v1").count.get()).as("an aborted request never leaves").isZero();
        long start = System.nanoTime();
        try (Response r = get(client, "http://reviews:9080/slow")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("DI");
        }
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(b.get("v1").count.get()).isEqualTo(1);
    }

    @Test
    void aMirrorCopyArrivesWhileTheCallerDoesNotWaitForIt() throws Exception {
        Backends b = backends("v1", "shadow");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(1);
        b.get("shadow").answer = r -> {
            arrived.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new MockResponse.Builder().code(500).body("shadow failed").build();
        };
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
        try (Response r = get(client, "http://reviews:9080/x?q=1")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("v1");
        }
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(release.getCount()).as("the caller had its answer while the copy was still held").isEqualTo(1);
        release.countDown();
        var copy = b.get("shadow").requests.get(0);
        assertThat(copy.getHeaders().get("Host")).isEqualTo("reviews-shadow:9080");
        assertThat(copy.getTarget()).isEqualTo("/x?q=1");
    }

    @Test
    void connectionPoolOverflowAnswers503WithUO() throws Exception {
        Backends b = backends("v1");
        CountDownLatch release = new CountDownLatch(1);
        b.get("v1").answer = r -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new MockResponse.Builder().code(200).body("ok").build();
        };
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews", """
                connectionPool:
                  tcp: {maxConnections: 1}
                  http: {http1MaxPendingRequests: 1}
                """));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(pool.submit(() -> {
                    try (Response r = get(client, "http://reviews:9080/")) {
                        return r.code();
                    }
                }));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> b.get("v1").count.get() == 2);
            try (Response r = get(client, "http://reviews:9080/")) {
                assertThat(r.code()).isEqualTo(503);
                assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UO");
            }
            release.countDown();
            for (Future<Integer> f : held) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            }
            assertThat(body(client, "http://reviews:9080/")).as("permits come back").isEqualTo("ok");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void redirectDirectResponseRewriteAndHeaders() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /old}}]
                    redirect: {uri: /new, authority: example.org}
                  - match: [{uri: {exact: /health}}]
                    directResponse: {status: 200, body: {string: "healthy"}}
                  - match: [{uri: {prefix: /api/v1/}}]
                    rewrite: {uri: /v1/, authority: reviews.internal}
                    headers:
                      request: {set: {x-mesh: "yes"}, remove: [x-secret]}
                      response: {add: {x-served-by: mesh}}
                    route: [{destination: {host: reviews}}]
                """);
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder().followRedirects(false), mesh).build();
        try (Response r = get(client, "http://reviews:9080/old/page?x=1")) {
            assertThat(r.code()).isEqualTo(301);
            assertThat(r.header("Location")).isEqualTo("http://example.org/new?x=1");
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isNull();
        }
        assertThat(body(client, "http://reviews:9080/health")).isEqualTo("healthy");
        try (Response r = get(client, "http://reviews:9080/api/v1/items?id=3", "x-secret", "s")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("x-served-by")).isEqualTo("mesh");
        }
        var seen = b.get("v1").requests.get(0);
        assertThat(seen.getTarget()).isEqualTo("/v1/items?id=3");
        assertThat(seen.getHeaders().get("Host")).isEqualTo("reviews.internal");
        assertThat(seen.getHeaders().get("x-mesh")).isEqualTo("yes");
        assertThat(seen.getHeaders().get("x-secret")).isNull();
        assertThat(b.get("v1").count.get()).isEqualTo(1);
    }

    @Test
    void aRedirectTheMeshAnswersIsFollowedThroughTheMeshWhenTheClientFollowsRedirects() throws Exception {
        Backends b = backends("v1", "v2");
        Mesh mesh = mesh(b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /old}}]
                    redirect: {uri: /new, redirectCode: 308}
                  - match: [{uri: {prefix: /new}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v1}}]
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/old?a=1")
                .post(okhttp3.RequestBody.create("body", okhttp3.MediaType.get("text/plain"))).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("v2");
            assertThat(r.priorResponse()).isNull();
        }
        var seen = b.get("v2").requests.get(0);
        assertThat(seen.getMethod()).as("308 keeps the method and body").isEqualTo("POST");
        assertThat(seen.getTarget()).isEqualTo("/new?a=1");
        assertThat(seen.getBody().utf8()).isEqualTo("body");
        assertThat(b.get("v1").count.get()).isZero();
    }

    @Test
    void anHttpsCallToARegisteredEndpointVerifiesTheServiceNameNotTheEndpointAddress() throws Exception {
        okhttp3.tls.HeldCertificate root = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0)
                .commonName("test root").build();
        okhttp3.tls.HeldCertificate server = new okhttp3.tls.HeldCertificate.Builder().signedBy(root)
                .addSubjectAlternativeName("api.example.com").build();
        okhttp3.tls.HandshakeCertificates serverCerts = new okhttp3.tls.HandshakeCertificates.Builder()
                .heldCertificate(server, root.certificate()).build();
        okhttp3.tls.HandshakeCertificates clientCerts = new okhttp3.tls.HandshakeCertificates.Builder()
                .addTrustedCertificate(root.certificate()).build();
        Backends b = backends("v1");
        var backend = b.get("v1");
        backend.server.close();
        mockwebserver3.MockWebServer tlsServer = new mockwebserver3.MockWebServer();
        closeables.add(tlsServer);
        tlsServer.useHttps(serverCerts.sslSocketFactory());
        tlsServer.enqueue(new MockResponse.Builder().code(200).body("secure").build());
        tlsServer.start(java.net.InetAddress.getLoopbackAddress(), 0);
        Mesh mesh = mesh("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.com]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {https: %d}}
                """.formatted(tlsServer.getPort()));
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder()
                .sslSocketFactory(clientCerts.sslSocketFactory(), clientCerts.trustManager()), mesh).build();
        assertThat(body(client, "https://api.example.com/hello")).isEqualTo("secure");
        var seen = tlsServer.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHandshakeServerNames()).containsExactly("api.example.com");
        assertThat(seen.getUrl().host()).as("the authority sent").isEqualTo("api.example.com");
    }

    @Test
    void passThroughToAHostNoRegistryKnows() throws Exception {
        Backends b = backends("v1");
        Mesh mesh = mesh(b.serviceEntry("reviews"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        assertThat(body(client, "http://127.0.0.1:" + b.get("v1").port() + "/direct")).isEqualTo("v1");
        assertThat(b.get("v1").requests.get(0).getHeaders().get("Host")).isEqualTo("127.0.0.1:" + b.get("v1").port());
    }
}

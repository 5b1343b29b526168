package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client-side mutual TLS with real handshakes against a server holding a mesh certificate. */
class MeshOkHttpMtlsTest extends MeshTestSupport {
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static final SpiffeId FRONTEND = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/frontend");

    @TempDir
    Path caDir;

    private MockWebServer meshServer(SpiffeId identity) throws Exception {
        CertificateSource certs = CertificateSources.builtInCa(caDir, identity);
        closeables.add(certs);
        MeshTls tls = MeshTls.create(certs);
        closeables.add(tls);
        MockWebServer server = new MockWebServer();
        closeables.add(server);
        server.useHttps(tls.serverContext().getSocketFactory());
        server.requireClientAuth();
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                X509Certificate peer = (X509Certificate) request.getHandshake().peerCertificates().get(0);
                String id;
                try {
                    id = peer.getSubjectAlternativeNames().iterator().next().get(1).toString();
                } catch (Exception e) {
                    id = "unreadable: " + e;
                }
                return new MockResponse.Builder().code(200).body("hello " + id).build();
            }
        });
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    private Mesh clientMesh(String yaml) throws Exception {
        CertificateSource certs = CertificateSources.builtInCa(caDir, FRONTEND);
        closeables.add(certs);
        return mesh(Mesh.builder().certificates(certs).workload(new Workload("default", "frontend", Map.of())),
                yaml);
    }

    @Test
    void autoMtlsToALabelledEndpointPresentsTheWorkloadCertificateAndChecksTheServersId() throws Exception {
        MockWebServer server = meshServer(REVIEWS);
        Mesh mesh = clientMesh(meshServiceEntry(server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/hello")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("hello " + FRONTEND.uri());
            assertThat(r.handshake()).as("the caller sees a TLS handshake").isNotNull();
        }
        RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHandshake().tlsVersion().javaName()).isEqualTo("TLSv1.3");
        assertThat(seen.getUrl().host()).as("the authority the caller used").isEqualTo("reviews");
    }

    @Test
    void aServerWithAnotherIdentityIsRefusedAndNotRetried() throws Exception {
        MockWebServer server = meshServer(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/impostor"));
        Mesh mesh = clientMesh(meshServiceEntry(server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/hello")) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UF");
            assertThat(r.body().string()).contains("TLS error").contains("impostor");
        }
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void istioMutualChecksTheSubjectAltNames() throws Exception {
        MockWebServer server = meshServer(REVIEWS);
        Mesh mesh = clientMesh(meshServiceEntry(server.getPort(), null, false) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL, subjectAltNames: ["spiffe://cluster.local/ns/default/sa/reviews"]}
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        assertThat(body(client, "http://reviews:9080/")).isEqualTo("hello " + FRONTEND.uri());
    }

    @Test
    void mutualTlsWithoutAWorkloadCertificateFailsClosed() throws Exception {
        MockWebServer server = meshServer(REVIEWS);
        Mesh mesh = mesh(meshServiceEntry(server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.body().string()).contains("no workload certificate");
        }
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void certificatesRotatingEverySecondsWhileRequestsFlowFailNothing() throws Exception {
        MockWebServer server = meshServer(REVIEWS);
        CertificateSource certs = CertificateSources.builtInCa(caDir, FRONTEND, Duration.ofSeconds(2),
                java.time.Clock.systemUTC());
        closeables.add(certs);
        Mesh mesh = mesh(Mesh.builder().certificates(certs).workload(new Workload("default", "frontend", Map.of())),
                meshServiceEntry(server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder()
                .connectionPool(new okhttp3.ConnectionPool(0, 1, TimeUnit.MILLISECONDS)), mesh).build();
        Set<java.math.BigInteger> serials = new HashSet<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int requests = 0;
        while (System.nanoTime() < end) {
            try (Response r = get(client, "http://reviews:9080/")) {
                assertThat(r.code()).as("request %d", requests).isEqualTo(200);
                serials.add(((X509Certificate) r.handshake().localCertificates().get(0)).getSerialNumber());
            }
            requests++;
        }
        assertThat(requests).isGreaterThan(20);
        assertThat(serials).as("the client certificate was renewed while requests flowed").hasSizeGreaterThan(1);
    }

    @Test
    void disableSendsPlaintextEvenToALabelledEndpoint() throws Exception {
        Backends plain = backends("v1");
        String se = meshServiceEntry(plain.get("v1").port(), "reviews", true);
        OkHttpClient auto = MeshOkHttp.configure(new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(1)),
                clientMesh(se)).build();
        try (Response r = get(auto, "http://reviews:9080/")) {
            // the plaintext server either answers the TLS hello with garbage (a TLS error, 503 UF) or waits for a
            // request line that never comes (a timeout, 504 UT); never a plaintext exchange
            assertThat(r.code()).as("auto mTLS against a plaintext server fails closed").isIn(503, 504);
            assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isIn("UF", "UT");
        }
        assertThat(plain.get("v1").count.get()).isZero();
        OkHttpClient disabled = MeshOkHttp.newClient(clientMesh(se + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy: {tls: {mode: DISABLE}}
                """));
        assertThat(body(disabled, "http://reviews:9080/")).isEqualTo("v1");
    }

    @Test
    void overMtlsTheServersIdentityAndClaimedLabelsReachTheSpanAndTheMetrics() throws Exception {
        MockWebServer server = meshServer(REVIEWS);
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().code(200).body("ok")
                        .addHeader("x-inmesh-peer", "reviews-v1;default;reviews;v1;reviews;v1").build();
            }
        });
        var exporter = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
        var tracerProvider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter)).build();
        closeables.add(tracerProvider);
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        CertificateSource certs = CertificateSources.builtInCa(caDir, FRONTEND);
        closeables.add(certs);
        Mesh mesh = Mesh.builder().certificates(certs)
                .workload(new Workload("default", "frontend", Map.of("app", "frontend", "version", "v1")))
                .telemetry(io.inmesh.telemetry.MeshTelemetry.builder().samplingPercent(100).meterRegistry(registry)
                        .openTelemetry(io.opentelemetry.sdk.OpenTelemetrySdk.builder()
                                .setTracerProvider(tracerProvider).build()).build())
                .configFiles(files(meshServiceEntry(server.getPort(), "reviews", true))).build();
        closeables.add(mesh);
        try (Response r = get(MeshOkHttp.newClient(mesh), "http://reviews:9080/hello")) {
            assertThat(r.body().string()).isEqualTo("ok");
            assertThat(r.header("x-inmesh-peer")).as("the exchange header is the mesh's, not the application's")
                    .isNull();
        }
        RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHeaders().get("x-inmesh-peer")).isEqualTo("frontend-v1;default;frontend;v1;frontend;v1");
        var span = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == io.opentelemetry.api.trace.SpanKind.CLIENT).findFirst().orElseThrow();
        assertThat(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey(
                "inmesh.peer.spiffe_id"))).isEqualTo(REVIEWS.uri());
        String text = registry.scrape();
        assertThat(text).containsPattern("istio_requests_total\\{[^}]*destination_principal=\"" + REVIEWS.uri()
                + "\"[^}]*destination_version=\"v1\"[^}]*destination_workload=\"reviews-v1\"[^}]*"
                + "reporter=\"source\"[^}]*source_principal=\"" + FRONTEND.uri() + "\"");
    }
}

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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh client that resumes a TLS 1.3 session after the server certificate of its first handshake expired (the
 * server rotated meanwhile): the interceptor's verifier refuses the resumed session, and the try goes out once more on
 * a full handshake, which sees the server's current certificate. The call succeeds and never used the expired one.
 */
class ExpiredResumptionTest extends MeshTestSupport {
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static final SpiffeId FRONTEND = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/frontend");

    @TempDir
    Path caDir;

    @Test
    void aResumedSessionWithAnExpiredServerCertificateIsRefusedAndTheCallMakesAFullHandshake() throws Exception {
        // 2-second server certificates, renewed about every second; the client's last an hour
        CertificateSource serverCerts = CertificateSources.builtInCa(caDir, REVIEWS, Duration.ofSeconds(2),
                Clock.systemUTC());
        closeables.add(serverCerts);
        MeshTls serverTls = MeshTls.create(serverCerts);
        closeables.add(serverTls);
        MockWebServer server = new MockWebServer();
        closeables.add(server);
        server.useHttps(serverTls.serverContext().getSocketFactory());
        server.requireClientAuth();
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                return new MockResponse.Builder().code(200).body("ok").build();
            }
        });
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);
        CertificateSource clientCerts = CertificateSources.builtInCa(caDir, FRONTEND, Duration.ofHours(1),
                Clock.systemUTC());
        closeables.add(clientCerts);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Mesh mesh = mesh(Mesh.builder().certificates(clientCerts).workload(new Workload("default", "frontend",
                Map.of())).telemetry(io.inmesh.telemetry.MeshTelemetry.builder().meterRegistry(registry).build()),
                meshServiceEntry(server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder()
                .protocols(List.of(Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.MILLISECONDS)), mesh).build();

        X509Certificate first;
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).isEqualTo(200);
            first = (X509Certificate) r.handshake().peerCertificates().get(0);
        }
        long wait = first.getNotAfter().getTime() + 500 - System.currentTimeMillis();
        Thread.sleep(Math.max(0, wait));
        assertThat(serverTls.current().leaf()).as("the server rotated").isNotEqualTo(first);

        // the client's session cache still holds the ticket from the first connection, with the first certificate
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).as("%s %s", r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER), r.peekBody(200).string())
                    .isEqualTo(200);
            X509Certificate seen = (X509Certificate) r.handshake().peerCertificates().get(0);
            assertThat(seen).as("the server certificate of the second call").isNotEqualTo(first);
            seen.checkValidity();
        }
        assertThat(MeshOkHttpRegressionTest.resends(registry, "refused_resumption"))
                .as("the refused resumption went out once more").isEqualTo(1);
        assertThat(MeshOkHttpRegressionTest.resends(registry, "stale_connection")).isZero();
    }
}

package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review (scratch): client-side server verification. Each test states what fail-closed behaviour would be;
 * a failure of the assertion is the finding.
 */
class ClientTlsSecurityTest extends MeshTestSupport {
    private static final SpiffeId FRONTEND = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/frontend");
    private static final SpiffeId IMPOSTOR = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/impostor");

    @TempDir
    Path caDir;
    @TempDir
    Path files;

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
                return new MockResponse.Builder().code(200).body("served by " + identity.uri()).build();
            }
        });
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    private Mesh clientMesh(String yaml) throws Exception {
        CertificateSource certs = CertificateSources.builtInCa(caDir, FRONTEND);
        closeables.add(certs);
        return mesh(Mesh.builder().certificates(certs).workload(new Workload("default", "frontend", Map.of())), yaml);
    }

    private static String serviceEntry(String host, int port, String serviceAccount, boolean label) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews%s}%s}
                """.formatted(host.replace('.', '-'), host, port,
                label ? ", security.istio.io/tlsMode: istio" : "",
                serviceAccount == null ? "" : ", serviceAccount: " + serviceAccount);
    }

    /**
     * ISTIO_MUTUAL with subjectAltNames that are not spiffe:// URIs (a DNS name, or Istio's principal form without the
     * scheme). Envoy compares SANs exactly, so the impostor is refused in Istio. ClientTls.expected() drops every
     * non-spiffe entry and, when none is left, returns the empty set, which MeshTls reads as "any identity of the
     * trust domain".
     */
    @Test
    void istioMutualWithNonSpiffeSubjectAltNamesMustNotAcceptAnyIdentity() throws Exception {
        MockWebServer server = meshServer(IMPOSTOR);
        Mesh mesh = clientMesh(serviceEntry("reviews", server.getPort(), null, false) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL, subjectAltNames: ["cluster.local/ns/default/sa/reviews",
                                                                "reviews.default.svc.cluster.local"]}
                """);
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews:9080/")) {
            assertThat(r.code()).as("impostor must be refused; body: %s", r.peekBody(200).string()).isEqualTo(503);
        }
    }

    /**
     * Auto mTLS to a ServiceEntry host that is not NAME.NS.svc.DOMAIN, with the endpoint's serviceAccount known: Istio
     * expects spiffe://TD/ns/<ServiceEntry namespace>/sa/reviews. ClientTls.expected() cannot derive a namespace from
     * the host and falls back to "any identity of the trust domain".
     */
    @Test
    void autoMtlsToANonSvcHostMustStillCheckTheEndpointServiceAccount() throws Exception {
        MockWebServer server = meshServer(IMPOSTOR);
        Mesh mesh = clientMesh(serviceEntry("reviews.mesh.internal", server.getPort(), "reviews", true));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://reviews.mesh.internal:9080/")) {
            assertThat(r.code()).as("impostor must be refused; body: %s", r.peekBody(200).string()).isEqualTo(503);
        }
    }

    /**
     * Auto mTLS to destinations taking turns on one client, each endpoint with its own service account: each server is
     * checked for its own identity every time (ClientTls keeps the plans it made; none may answer for another).
     */
    @Test
    void destinationsTakingTurnsAreEachCheckedForTheirOwnServiceAccount() throws Exception {
        MockWebServer reviews = meshServer(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews"));
        MockWebServer ratings = meshServer(IMPOSTOR);
        MockWebServer details = meshServer(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/details"));
        Mesh mesh = clientMesh(serviceEntry("reviews", reviews.getPort(), "reviews", true) + "---\n"
                + serviceEntry("ratings", ratings.getPort(), "ratings", true) + "---\n"
                + serviceEntry("details", details.getPort(), "details", true));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        for (int i = 0; i < 3; i++) {
            try (Response r = get(client, "http://reviews:9080/")) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.body().string()).isEqualTo("served by spiffe://cluster.local/ns/default/sa/reviews");
            }
            try (Response r = get(client, "http://ratings:9080/")) {
                assertThat(r.code()).as("impostor must be refused; body: %s", r.peekBody(200).string()).isEqualTo(503);
            }
            try (Response r = get(client, "http://details:9080/")) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.body().string()).isEqualTo("served by spiffe://cluster.local/ns/default/sa/details");
            }
        }
    }

    // ---- SIMPLE origination -------------------------------------------------------------------------------------

    private okhttp3.tls.HeldCertificate root;

    private MockWebServer tlsServerFor(String dnsName) throws Exception {
        if (root == null) {
            root = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).commonName("test root").build();
            Files.writeString(files.resolve("ca.pem"), root.certificatePem(), StandardCharsets.US_ASCII);
        }
        okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().signedBy(root)
                .addSubjectAlternativeName(dnsName).build();
        okhttp3.tls.HandshakeCertificates serverCerts = new okhttp3.tls.HandshakeCertificates.Builder()
                .heldCertificate(cert, root.certificate()).build();
        MockWebServer s = new MockWebServer();
        closeables.add(s);
        s.useHttps(serverCerts.sslSocketFactory());
        s.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().code(200).body("cert for " + dnsName).build();
            }
        });
        s.start(java.net.InetAddress.getLoopbackAddress(), 0);
        return s;
    }

    private String externalWithSimpleTls(String host, int port, String extraTls) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%2$s]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %3$d}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s}
                spec:
                  host: %2$s
                  trafficPolicy:
                    tls: {mode: SIMPLE, caCertificates: %4$s%5$s}
                """.formatted(host.replace('.', '-'), host, port, files.resolve("ca.pem"), extraTls);
    }

    /**
     * Two destinations whose DestinationRules have identical SIMPLE settings (same caCertificates, no sni). ClientTls
     * caches the origination Plan by ClientTlsSettings only, and the Plan's serverName is the host of the FIRST call,
     * so the second destination's server is verified against the first host's name.
     */
    @Test
    void simpleOriginationMustVerifyEachDestinationByItsOwnName() throws Exception {
        MockWebServer bank = tlsServerFor("bank.example.com");
        // b.example.com's endpoint presents a certificate for bank.example.com, not for b.example.com
        MockWebServer evil = tlsServerFor("bank.example.com");
        Mesh mesh = mesh(externalWithSimpleTls("bank.example.com", bank.getPort(), "")
                + "---\n" + externalWithSimpleTls("b.example.com", evil.getPort(), ""));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        assertThat(body(client, "http://bank.example.com/")).isEqualTo("cert for bank.example.com");
        try (Response r = get(client, "http://b.example.com/")) {
            assertThat(r.code()).as("b.example.com presented a certificate for another name; body: %s",
                    r.peekBody(200).string()).isEqualTo(503);
        }
    }

    /** Control: the same call without the cache warmed up by another host is refused, as it should be. */
    @Test
    void controlSimpleOriginationAloneRefusesAWrongName() throws Exception {
        MockWebServer evil = tlsServerFor("bank.example.com");
        Mesh mesh = mesh(externalWithSimpleTls("b.example.com", evil.getPort(), ""));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://b.example.com/")) {
            assertThat(r.code()).isEqualTo(503);
        }
    }

    /**
     * SIMPLE with subjectAltNames: Istio/Envoy requires the server certificate to carry one of them. ClientTls never
     * reads subjectAltNames for SIMPLE/MUTUAL, and validation gives no warning.
     */
    @Test
    void simpleOriginationMustHonourSubjectAltNames() throws Exception {
        MockWebServer server = tlsServerFor("api.example.com");
        Mesh mesh = mesh(externalWithSimpleTls("api.example.com", server.getPort(),
                ", subjectAltNames: [pinned.partner.example]"));
        OkHttpClient client = MeshOkHttp.newClient(mesh);
        try (Response r = get(client, "http://api.example.com/")) {
            assertThat(r.code()).as("server lacks the pinned SAN; body: %s", r.peekBody(200).string())
                    .isEqualTo(503);
        }
    }
}

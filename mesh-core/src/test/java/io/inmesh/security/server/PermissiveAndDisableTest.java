package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.FRONTEND;
import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.PeerAuthentication;
import io.inmesh.security.InboundDecision;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PERMISSIVE serves plaintext and mutual TLS on one port (Jetty's {@code DetectorConnectionFactory} tells them apart
 * by the first bytes); DISABLE serves plaintext. The client is curl.
 */
class PermissiveAndDisableTest {
    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    private void start(String mode) throws Exception {
        Curl.assumeAvailable();
        bed = MeshServerTestBed.start(tmp, MeshServerTestBed.peerAuthentication(mode));
    }

    @Test
    void permissiveServesPlaintextAndMutualTlsOnTheSamePort() throws Exception {
        start("PERMISSIVE");

        Curl.Result plain = bed.plaintext("/reviews/1");
        Curl.Result mtls = bed.mtls(bed.client(PRODUCTPAGE), "/reviews/1");

        assertThat(plain.status()).as(plain.describe()).isEqualTo(200);
        assertThat(plain.body()).contains("peer: plaintext").contains("tls: none").contains("mode: PERMISSIVE");
        assertThat(mtls.status()).as(mtls.describe()).isEqualTo(200);
        assertThat(mtls.body()).contains("peer: " + PRODUCTPAGE.uri()).containsPattern("tls: TLSv1\\.[23]")
                .contains("mode: PERMISSIVE");
        InboundDecision first = bed.server.nextDecision();
        InboundDecision second = bed.server.nextDecision();
        assertThat(first.peer()).isNull();
        assertThat(second.peer()).isEqualTo(PRODUCTPAGE);
    }

    /** PERMISSIVE does not mean "anything goes over TLS": a certificate presented is verified. */
    @Test
    void permissiveStillRefusesABadClientCertificate() throws Exception {
        start("PERMISSIVE");

        Curl.Result r = bed.mtls(bed.otherCaClient(FRONTEND), "/reviews/1");

        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isIn(Curl.SSL_CONNECT_ERROR, Curl.RECV_ERROR);
        assertThat(bed.server.nextHandshakeFailure()).contains("the client's certificate chain is not trusted");
    }

    @Test
    void permissiveServesTlsWithoutAClientCertificateAsAnonymous() throws Exception {
        start("PERMISSIVE");

        Curl.Result r = bed.mtls(null, "/reviews/1");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("peer: plaintext").containsPattern("tls: TLSv1\\.[23]");
    }

    @Test
    void disableServesPlaintext() throws Exception {
        start("DISABLE");

        Curl.Result r = bed.plaintext("/reviews/1");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("peer: plaintext").contains("mode: DISABLE");
        assertThat(bed.mesh.mtlsMode(bed.server.port())).isEqualTo(PeerAuthentication.Mode.DISABLE);
    }

    @Test
    void onADisablePortAClientCertificateIsNotAPrincipal() throws Exception {
        start("DISABLE");

        Curl.Result r = bed.mtls(bed.client(MeshServerTestBed.FRONTEND), "/reviews/1");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).as("the mesh does no mTLS on a DISABLE port, so it trusts no TLS identity there")
                .contains("peer: plaintext").contains("mode: DISABLE");
    }

    @Test
    void noPeerAuthenticationAtAllIsPermissive() throws Exception {
        Curl.assumeAvailable();
        bed = MeshServerTestBed.start(tmp, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: unrelated, namespace: default}
                spec:
                  hosts: [api.example.com]
                  ports: [{number: 443, name: https, protocol: TLS}]
                  resolution: DNS
                """);

        Curl.Result r = bed.plaintext("/");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("mode: PERMISSIVE");
    }

    /**
     * {@code portLevelMtls} is keyed by the port the request arrived at: a workload STRICT except on this server's
     * port, which is PERMISSIVE, serves plaintext here.
     */
    @Test
    void aPortLevelModeForTheServersPortWins() throws Exception {
        start("STRICT");
        bed.config("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: reviews, namespace: default}
                spec:
                  selector: {matchLabels: {app: reviews}}
                  mtls: {mode: STRICT}
                  portLevelMtls:
                    %d: {mode: PERMISSIVE}
                """.formatted(bed.server.port()));

        Curl.Result r = bed.plaintext("/");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("mode: PERMISSIVE");
    }
}

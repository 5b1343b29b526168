package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.InboundDecision;
import io.inmesh.security.Openssl;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture's other variant: a TLS-only port (no plaintext detection) that requires a client certificate at the
 * handshake, as a server fixed to STRICT could be. Here a client without a certificate fails the handshake itself,
 * instead of being turned away at the request as on the detecting port ({@link StrictModeTest}).
 */
class TlsOnlyPortTest {
    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        bed = MeshServerTestBed.start(tmp, MeshServerTestBed.peerAuthentication("STRICT"),
                MeshServerTestBed.Port.TLS_NEED_CLIENT_CERT);
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aMeshCertificateIsServed() throws Exception {
        Curl.Result r = bed.mtls(bed.client(PRODUCTPAGE), "/reviews/1");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("peer: " + PRODUCTPAGE.uri());
        InboundDecision d = bed.server.nextDecision();
        assertThat(d.allowed()).isTrue();
        assertThat(d.peer()).isEqualTo(PRODUCTPAGE);
    }

    @Test
    void curlWithoutAClientCertificateFailsTheHandshake() throws Exception {
        Curl.Result r = bed.mtls(null, "/reviews/1");

        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isIn(Curl.SSL_CONNECT_ERROR, Curl.RECV_ERROR);
        assertThat(bed.server.nextHandshakeFailure()).contains("Empty client certificate chain");
        assertThat(bed.server.hasDecisions()).isFalse();
    }

    @Test
    void sClientWithoutAClientCertificateFailsTheHandshake() throws Exception {
        Path root = bed.client(PRODUCTPAGE).resolve("root-cert.pem");

        Openssl.Run run = SClientHandshakeTest.sClient(bed.server.port(), root, null);

        assertThat(run.output()).doesNotContain("HTTP/1.1").contains("alert bad certificate");
        assertThat(bed.server.nextHandshakeFailure()).contains("Empty client certificate chain");
    }

    @Test
    void plaintextIsNotSpokenHere() throws Exception {
        Curl.Result r = bed.plaintext("/reviews/1");

        // Jetty's TLS engine answers the plaintext bytes with a TLS alert, which curl takes for an HTTP/0.9 reply.
        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(bed.server.nextHandshakeFailure()).contains("Unrecognized SSL message");
        assertThat(bed.server.hasDecisions()).isFalse();
    }
}

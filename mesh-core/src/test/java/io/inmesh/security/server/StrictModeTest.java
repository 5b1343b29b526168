package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.FRONTEND;
import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.PeerAuthentication;
import io.inmesh.security.InboundDecision;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PeerAuthentication STRICT on a port that accepts TLS and plaintext alike (the mode can change live), with curl as
 * the client: only a client presenting a certificate of the mesh gets through.
 */
class StrictModeTest {
    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        Curl.assumeAvailable();
        bed = MeshServerTestBed.start(tmp, MeshServerTestBed.peerAuthentication("STRICT"));
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void plaintextGetsNoAnswerTheConnectionIsClosed() throws Exception {
        Curl.Result r = bed.plaintext("/reviews/1");

        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isIn(Curl.EMPTY_REPLY, Curl.RECV_ERROR);
        InboundDecision d = bed.server.nextDecision();
        assertThat(d.outcome()).isEqualTo(InboundDecision.Outcome.PLAINTEXT_REFUSED);
        assertThat(d.mtlsMode()).isEqualTo(PeerAuthentication.Mode.STRICT);
    }

    @Test
    void aMeshCertificateIsAcceptedAndItsSpiffeIdReachesTheServer() throws Exception {
        Curl.Result r = bed.mtls(bed.client(PRODUCTPAGE), "/reviews/1");

        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("peer: " + PRODUCTPAGE.uri()).contains("mode: STRICT")
                .containsPattern("tls: TLSv1\\.[23]");
        InboundDecision d = bed.server.nextDecision();
        assertThat(d.outcome()).isEqualTo(InboundDecision.Outcome.ALLOWED);
        assertThat(d.peer()).isEqualTo(PRODUCTPAGE);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        Curl.Result r = bed.mtls(bed.otherCaClient(FRONTEND), "/reviews/1");

        assertTlsRefused(r);
        assertThat(bed.server.nextHandshakeFailure())
                .contains("the client's certificate chain is not trusted");
    }

    @Test
    void anExpiredCertificateFailsTheHandshake() throws Exception {
        Curl.Result r = bed.mtls(bed.expiredClient(FRONTEND), "/reviews/1");

        assertTlsRefused(r);
        assertThat(bed.server.nextHandshakeFailure()).contains("the client's certificate chain is not trusted")
                .contains("expired at");
    }

    @Test
    void aCertificateOfAnotherTrustDomainFailsTheHandshakeEvenUnderTheMeshRoot() throws Exception {
        Curl.Result r = bed.mtls(bed.foreignTrustDomainClient("spiffe://example.org/ns/default/sa/frontend"),
                "/reviews/1");

        assertTlsRefused(r);
        assertThat(bed.server.nextHandshakeFailure()).contains("spiffe://example.org/ns/default/sa/frontend is in"
                + " trust domain example.org, expected cluster.local");
    }

    /**
     * On this port client certificates are optional at the handshake (so that PERMISSIVE and a later switch work), so
     * a TLS client without one completes the handshake; the request then has no peer and is refused like plaintext:
     * connection closed, no answer.
     */
    @Test
    void tlsWithoutAClientCertificateIsRefusedAtTheRequestLikePlaintext() throws Exception {
        Curl.Result r = bed.mtls(null, "/reviews/1");

        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isIn(Curl.EMPTY_REPLY, Curl.RECV_ERROR);
        InboundDecision d = bed.server.nextDecision();
        assertThat(d.outcome()).isEqualTo(InboundDecision.Outcome.PLAINTEXT_REFUSED);
        assertThat(d.peer()).isNull();
    }

    @Test
    void theSniAndHostTheClientSentReachTheMesh() throws Exception {
        String name = "reviews.default.svc.cluster.local";
        int port = bed.server.port();

        Curl.Result r = bed.mtlsUrl(bed.client(PRODUCTPAGE), "https://" + name + ":" + port + "/reviews/1",
                "--resolve", name + ":" + port + ":127.0.0.1");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("sni: " + name).contains("host: " + name + ":" + port);
    }

    /** Why {@code -k} is safe in these tests: curl still refuses a server whose key is not the pinned one. */
    @Test
    void curlRefusesTheServerWhenItsKeyIsNotThePinnedOne() throws Exception {
        Curl.Result r = bed.mtlsPinned(bed.client(PRODUCTPAGE), bed.server.httpsUrl("/reviews/1"),
                "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

        assertThat(r.exitCode()).as(r.describe()).isEqualTo(Curl.PINNED_KEY_MISMATCH);
        assertThat(bed.server.hasDecisions()).isFalse();
    }

    private void assertTlsRefused(Curl.Result r) {
        assertThat(r.answered()).as(r.describe()).isFalse();
        assertThat(r.exitCode()).as(r.describe()).isIn(Curl.SSL_CONNECT_ERROR, Curl.RECV_ERROR);
        assertThat(bed.server.hasDecisions()).as("a request reached the handler").isFalse();
    }
}

package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.FRONTEND;
import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.InboundDecision;
import io.inmesh.security.Openssl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code openssl s_client} against the Jetty server on a STRICT port that also detects plaintext: the handshake with a
 * mesh certificate verifies the server's chain against the mesh root (return code 0) and carries an HTTP request
 * through; another CA's client certificate fails the handshake.
 */
class SClientHandshakeTest {
    private static final String REQUEST = "GET /s_client HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n";

    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        Openssl.assumeAvailable();
        bed = MeshServerTestBed.start(tmp, MeshServerTestBed.peerAuthentication("STRICT"));
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    /** {@code s_client -connect 127.0.0.1:PORT -CAfile ROOT -verify_return_error} with an HTTP request on stdin. */
    static Openssl.Run sClient(int port, Path caFile, Path client) throws Exception {
        List<String> args = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", caFile.toString(), "-verify_return_error", "-nocommands", "-ign_eof"));
        if (client != null) {
            args.addAll(List.of("-cert", client.resolve("cert-chain.pem").toString(),
                    "-key", client.resolve("key.pem").toString()));
        }
        return Openssl.runWithInput(REQUEST, args.toArray(new String[0]));
    }

    @Test
    void aMeshClientCertificateCompletesTheHandshakeAndTheServersChainVerifies() throws Exception {
        Path client = bed.client(PRODUCTPAGE);

        Openssl.Run run = sClient(bed.server.port(), client.resolve("root-cert.pem"), client);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("Verify return code: 0 (ok)")
                .contains("HTTP/1.1 200")
                .contains("peer: " + PRODUCTPAGE.uri());
        assertThat(run.stdout()).as("the server's certificate names it by SPIFFE ID")
                .doesNotContain("verify error");
        assertThat(bed.server.nextDecision().outcome()).isEqualTo(InboundDecision.Outcome.ALLOWED);
    }

    @Test
    void theServersChainDoesNotVerifyAgainstAnotherRoot() throws Exception {
        Path client = bed.client(PRODUCTPAGE);
        Path otherRoot = bed.otherCaClient(FRONTEND).resolve("root-cert.pem");

        Openssl.Run run = sClient(bed.server.port(), otherRoot, client);

        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output()).doesNotContain("HTTP/1.1 200")
                .containsPattern("verify error:num=(2|19|20|21)"); // the issuer is not the root s_client trusts
        assertThat(bed.server.hasDecisions()).isFalse();
    }

    @Test
    void aClientCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        Path stranger = bed.otherCaClient(PRODUCTPAGE);
        Path meshRoot = bed.client(FRONTEND).resolve("root-cert.pem");

        Openssl.Run run = sClient(bed.server.port(), meshRoot, stranger);

        assertThat(run.output()).doesNotContain("HTTP/1.1").contains("alert certificate unknown");
        assertThat(bed.server.nextHandshakeFailure()).contains("the client's certificate chain is not trusted");
        assertThat(bed.server.hasDecisions()).isFalse();
    }
}

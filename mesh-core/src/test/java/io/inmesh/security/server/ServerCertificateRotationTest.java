package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static io.inmesh.security.server.MeshServerTestBed.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.security.CertificateBundle;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own certificate, renewed in its PEM files, is what the next handshake presents: Jetty was handed
 * {@code MeshTls.serverContext()} once, and that context follows the source. curl pins the server's public key, so a
 * pin of the old key stops matching.
 */
class ServerCertificateRotationTest {
    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        Curl.assumeAvailable();
        bed = MeshServerTestBed.startWithServerPemFiles(tmp, peerAuthentication("STRICT"));
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aRenewedServerCertificateIsPresentedWithoutARestart() throws Exception {
        Path client = bed.client(PRODUCTPAGE);
        String oldPin = bed.serverPin();
        assertThat(bed.mtls(client, "/").status()).isEqualTo(200);

        CertificateBundle next = bed.rotateServerCertificate();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> bed.tls.current().chain().get(0).equals(next.chain().get(0)));

        assertThat(bed.serverPin()).isNotEqualTo(oldPin);
        Curl.Result renewed = bed.mtls(client, "/");
        assertThat(renewed.status()).as(renewed.describe()).isEqualTo(200);
        assertThat(renewed.body()).contains("peer: " + PRODUCTPAGE.uri());
        Curl.Result oldKey = bed.mtlsPinned(client, bed.server.httpsUrl("/"), oldPin);
        assertThat(oldKey.exitCode()).as(oldKey.describe()).isEqualTo(Curl.PINNED_KEY_MISMATCH);
    }
}

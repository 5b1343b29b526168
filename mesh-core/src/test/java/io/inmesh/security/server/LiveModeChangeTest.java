package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static io.inmesh.security.server.MeshServerTestBed.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.PeerAuthentication.Mode;
import io.inmesh.security.InboundDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PeerAuthentication mode change in the YAML applies to the next request on the running server: no restart, no
 * new listener. The mode is not baked into the TLS configuration (client certificates stay optional at the handshake
 * on the detecting port); each request reads the mode in force.
 */
class LiveModeChangeTest {
    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() {
        Curl.assumeAvailable();
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void permissiveToStrictAndBackAppliesToNewRequestsWithoutARestart() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("PERMISSIVE"));
        int port = bed.server.port();
        Path client = bed.client(PRODUCTPAGE);
        assertThat(bed.plaintext("/before").status()).isEqualTo(200);

        bed.config(peerAuthentication("STRICT"));

        Curl.Result plain = bed.plaintext("/strict");
        assertThat(plain.answered()).as(plain.describe()).isFalse();
        assertThat(plain.exitCode()).as(plain.describe()).isIn(Curl.EMPTY_REPLY, Curl.RECV_ERROR);
        Curl.Result mtls = bed.mtls(client, "/strict");
        assertThat(mtls.status()).as(mtls.describe()).isEqualTo(200);
        assertThat(mtls.body()).contains("mode: STRICT").contains("peer: " + PRODUCTPAGE.uri());

        bed.config(peerAuthentication("PERMISSIVE"));

        Curl.Result again = bed.plaintext("/after");
        assertThat(again.status()).as(again.describe()).isEqualTo(200);
        assertThat(again.body()).contains("mode: PERMISSIVE");
        assertThat(bed.server.port()).as("same listener throughout").isEqualTo(port);
    }

    /**
     * The check is per request, not per connection: a plaintext keep-alive connection opened while PERMISSIVE is
     * closed at its next request once the mode is STRICT.
     */
    @Test
    void aKeepAlivePlaintextConnectionIsClosedAtItsNextRequestOnceStrict() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("PERMISSIVE"));
        try (Socket socket = new Socket("127.0.0.1", bed.server.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            out.write(get("/first"));
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200").contains("peer: plaintext");

            bed.config(peerAuthentication("STRICT"));
            out.write(get("/second"));

            assertThat(readOrReset(in)).as("no answer: the connection is closed").isEqualTo(-1);
        }
        bed.server.nextDecision();
        InboundDecision second = bed.server.nextDecision();
        assertThat(second.outcome()).isEqualTo(InboundDecision.Outcome.PLAINTEXT_REFUSED);
    }

    /** A YAML update that does not validate is refused whole: the STRICT mode in force stays. */
    @Test
    void anInvalidUpdateKeepsTheLastGoodMode() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("STRICT"));

        ConfigUpdate u = bed.update(peerAuthentication("PERMISSIV"));

        assertThat(u).isInstanceOf(ConfigUpdate.Rejected.class);
        assertThat(bed.mesh.mtlsMode(bed.server.port())).isEqualTo(Mode.STRICT);
        Curl.Result plain = bed.plaintext("/");
        assertThat(plain.answered()).as(plain.describe()).isFalse();
    }

    /** The same through a watched YAML file, replaced by a rename as editors and kubelet do. */
    @Test
    void editingTheWatchedYamlFileSwitchesTheRunningServer() throws Exception {
        Path yaml = tmp.resolve("mesh.yaml");
        bed = MeshServerTestBed.startWatching(tmp, yaml, peerAuthentication("PERMISSIVE"));
        int port = bed.server.port();
        assertThat(bed.plaintext("/").status()).isEqualTo(200);

        Path next = tmp.resolve(".mesh.yaml.tmp");
        Files.writeString(next, peerAuthentication("STRICT"));
        Files.move(next, yaml, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(Duration.ofSeconds(10)).until(() -> bed.mesh.mtlsMode(port) == Mode.STRICT);
        Curl.Result plain = bed.plaintext("/");
        assertThat(plain.answered()).as(plain.describe()).isFalse();
        assertThat(bed.mtls(bed.client(PRODUCTPAGE), "/").status()).isEqualTo(200);
    }

    private static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: reviews\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one HTTP/1.1 response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the response head: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** The next byte, or -1 at end of stream or when the peer reset the connection. */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException e) {
            return -1;
        }
    }
}

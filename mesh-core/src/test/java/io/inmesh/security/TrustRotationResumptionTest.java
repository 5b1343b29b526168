package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Security review (scratch): does a trust-anchor rotation on the server take effect for NEW connections? MeshTls
 * invalidates the server context's cached sessions on a swap, but the JDK (13+) server issues stateless TLS 1.3
 * session tickets by default, which the session cache does not hold: a client whose certificate chains only to the
 * removed root can resume on a new connection and is identified without any check against the new anchors.
 */
class TrustRotationResumptionTest {

    private static String[] connectOnce(SSLContext clientCtx, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) clientCtx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                port)) {
            s.setSoTimeout(5_000);
            s.startHandshake();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String greeting = in.readLine(); // also processes NewSessionTicket
            return new String[] {greeting, s.getSession().getProtocol()};
        } catch (Exception e) {
            return new String[] {"failed: " + e, null};
        }
    }

    @Test
    void aRemovedRootNoLongerAuthenticatesNewConnections() throws Exception {
        TestPki.Issued rootA = TestPki.rootCa("O=cluster.local,CN=Root A");
        TestPki.Issued rootB = TestPki.rootCa("O=cluster.local,CN=Root B");
        TestPki.Issued serverA = TestPki.leaf(rootA).uri(MeshPki.SERVER.uri()).issue();
        TestPki.Issued serverB = TestPki.leaf(rootB).uri(MeshPki.SERVER.uri()).issue();
        TestPki.Issued clientA = TestPki.leaf(rootA).uri(MeshPki.CLIENT.uri()).issue();

        SettableSource source = new SettableSource(new CertificateBundle(serverA.key(), List.of(serverA.cert()),
                List.of(rootA.cert())));
        MeshTls server = MeshTls.create(source);
        try (LoopbackServer srv = new LoopbackServer(server.serverContext(), server.serverParameters(true),
                server::verifiedPeer)) {
            // a plain JDK client (session cache on) that trusts both roots, so only the server's check can refuse it
            SSLContext client = TestPki.jdkContext(clientA.key(), List.of(clientA.cert()),
                    List.of(rootA.cert(), rootB.cert()));

            String[] first = connectOnce(client, srv.port());
            assertThat(first[0]).isEqualTo("hello " + MeshPki.CLIENT);
            assertThat(srv.nextHandshake().ok()).isTrue();

            // root A is withdrawn (say, compromised): the server now trusts only root B
            source.set(new CertificateBundle(serverB.key(), List.of(serverB.cert()), List.of(rootB.cert())));
            assertThat(server.current().trustAnchors()).containsExactly(rootB.cert());

            // control: a fresh client context (no ticket) with the same root-A certificate is refused
            SSLContext fresh = TestPki.jdkContext(clientA.key(), List.of(clientA.cert()),
                    List.of(rootA.cert(), rootB.cert()));
            String[] control = connectOnce(fresh, srv.port());
            LoopbackServer.Handshake controlHandshake = srv.nextHandshake();
            assertThat(controlHandshake.ok()).as("control: full handshake with a root-A client").isFalse();

            String[] second = connectOnce(client, srv.port());
            LoopbackServer.Handshake h = srv.nextHandshake();
            assertThat(h.peer()).as("new connection after the root rotation (greeting %s, protocol %s)",
                    second[0], second[1]).isNull();
        } finally {
            server.close();
        }
    }
}

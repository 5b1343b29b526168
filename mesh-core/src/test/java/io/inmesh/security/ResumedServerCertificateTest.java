package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's TLS 1.3 sessions resumed from tickets keep the server certificate of their first full handshake, so
 * after the server rotates they go on showing the old one: {@link MeshTls.ClientSide#hostnameVerifier()} retires the client's
 * factory once that certificate is past three quarters of its validity (the next factory's full handshake sees the
 * server's current certificate) and refuses a resumed session whose certificate has expired. Real handshakes on
 * loopback; both sides check validity on a clock the test moves (the JDK's own ticket lifetimes run on real time).
 */
class ResumedServerCertificateTest {
    private static final Set<SpiffeId> EXPECTED = Set.of(MeshPki.SERVER);

    @TempDir
    Path tmp;

    /** A connection that reads the greeting (and with it the session ticket) and keeps its session for resumption. */
    private static SSLSession connect(SSLSocketFactory factory, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) factory.createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("hello ");
            return s.getSession();
        }
    }

    private static X509Certificate serverLeaf(SSLSession session) throws Exception {
        return (X509Certificate) session.getPeerCertificates()[0];
    }

    @Test
    void resumedSessionsStopShowingAReplacedServerCertificateAndAnExpiredOneIsRefused() throws Exception {
        ManualClock clock = ManualClock.atNow();
        Instant t0 = clock.instant();
        MeshPki pki = new MeshPki(tmp.resolve("ca"), clock);
        CertificateBundle first = pki.issue(MeshPki.SERVER, Duration.ofHours(4), t0);
        SettableSource serverCerts = new SettableSource(first);
        SettableSource clientCerts = new SettableSource(pki.issue(MeshPki.CLIENT, Duration.ofHours(24), t0));
        try (MeshTls server = MeshTls.create(serverCerts, clock);
             MeshTls client = MeshTls.create(clientCerts, clock);
             LoopbackServer srv = new LoopbackServer(server.serverContext(), server.serverParameters(true))) {
            long notBefore = first.leaf().getNotBefore().getTime();
            long lifetime = first.leaf().getNotAfter().getTime() - notBefore;
            SSLSocketFactory factory = client.clientSocketFactory(EXPECTED);
            HostnameVerifier verifier = client.clientSide(EXPECTED).hostnameVerifier();
            assertThat(client.clientSide(EXPECTED).hostnameVerifier()).isSameAs(verifier);

            SSLSession full = connect(factory, srv.port());
            assertThat(serverLeaf(full)).isEqualTo(first.leaf());
            assertThat(verifier.verify("reviews", full)).isTrue();

            // the server renews at half-life
            clock.set(Instant.ofEpochMilli(notBefore + lifetime / 2));
            CertificateBundle second = pki.issue(MeshPki.SERVER, Duration.ofHours(4), clock.instant());
            serverCerts.set(second);
            assertThat(server.current()).isEqualTo(second);

            // the premise: the old factory resumes from its ticket and still shows the first certificate
            SSLSession resumed = connect(factory, srv.port());
            assertThat(serverLeaf(resumed)).as("a resumed session's server certificate").isEqualTo(first.leaf());
            assertThat(verifier.verify("reviews", resumed)).isTrue();
            assertThat(client.clientSocketFactory(EXPECTED)).as("before three quarters: kept").isSameAs(factory);

            // past three quarters of the first certificate's validity: still accepted, and the factory retired
            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 3 / 4 + 1000));
            SSLSession late = connect(factory, srv.port());
            assertThat(serverLeaf(late)).isEqualTo(first.leaf());
            assertThat(verifier.verify("reviews", late)).isTrue();
            SSLSocketFactory next = client.clientSocketFactory(EXPECTED);
            HostnameVerifier nextVerifier = client.clientSide(EXPECTED).hostnameVerifier();
            assertThat(next).as("a new factory after three quarters").isNotSameAs(factory);
            assertThat(nextVerifier).isNotSameAs(verifier);

            // the new factory's first connection is a full handshake: the server's current certificate
            SSLSession fresh = connect(next, srv.port());
            assertThat(serverLeaf(fresh)).isEqualTo(second.leaf());
            assertThat(nextVerifier.verify("reviews", fresh)).isTrue();
            assertThat(client.clientSocketFactory(EXPECTED)).as("a current certificate keeps the new factory")
                    .isSameAs(next);

            // a connection still made with the old factory after the first certificate expired: refused
            clock.set(first.leaf().getNotAfter().toInstant().plusSeconds(1));
            SSLSession expired = connect(factory, srv.port());
            assertThat(serverLeaf(expired)).isEqualTo(first.leaf());
            assertThat(verifier.verify("reviews", expired)).as("an expired server certificate").isFalse();
            assertThat(nextVerifier.verify("reviews", connect(next, srv.port()))).isTrue();
        }
    }

    @Test
    void aServerThatHasNotRenewedCostsFullHandshakesAtMostOncePerSixteenthOfItsLifetimeUntilNearItsExpiry() throws Exception {
        ManualClock clock = ManualClock.atNow();
        Instant t0 = clock.instant();
        MeshPki pki = new MeshPki(tmp.resolve("ca"), clock);
        CertificateBundle only = pki.issue(MeshPki.SERVER, Duration.ofHours(4), t0);
        try (MeshTls server = MeshTls.create(new SettableSource(only), clock);
             MeshTls client = MeshTls.create(new SettableSource(pki.issue(MeshPki.CLIENT, Duration.ofHours(24), t0)),
                     clock);
             LoopbackServer srv = new LoopbackServer(server.serverContext(), server.serverParameters(true))) {
            long notBefore = only.leaf().getNotBefore().getTime();
            long lifetime = only.leaf().getNotAfter().getTime() - notBefore;
            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 4 / 5));
            SSLSocketFactory factory = client.clientSocketFactory(EXPECTED);
            HostnameVerifier verifier = client.clientSide(EXPECTED).hostnameVerifier();
            for (int i = 0; i < 3; i++) {
                assertThat(verifier.verify("reviews", connect(factory, srv.port()))).isTrue();
            }
            assertThat(client.clientSocketFactory(EXPECTED)).as("a factory younger than a sixteenth of the lifetime")
                    .isSameAs(factory);

            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 4 / 5 + lifetime / 16));
            assertThat(verifier.verify("reviews", connect(factory, srv.port()))).isTrue();
            SSLSocketFactory second = client.clientSocketFactory(EXPECTED);
            assertThat(second).as("older than a sixteenth: retired").isNotSameAs(factory);

            // near the expiry a factory is retired once it is older than half the time the certificate has left
            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 97 / 100));
            assertThat(client.clientSide(EXPECTED).hostnameVerifier().verify("reviews", connect(second, srv.port())))
                    .isTrue();
            SSLSocketFactory third = client.clientSocketFactory(EXPECTED);
            assertThat(third).isNotSameAs(second);
            HostnameVerifier thirdVerifier = client.clientSide(EXPECTED).hostnameVerifier();
            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 975 / 1000));
            assertThat(thirdVerifier.verify("reviews", connect(third, srv.port()))).isTrue();
            assertThat(client.clientSocketFactory(EXPECTED)).as("younger than half the time left").isSameAs(third);
            clock.set(Instant.ofEpochMilli(notBefore + lifetime * 985 / 1000));
            assertThat(thirdVerifier.verify("reviews", connect(third, srv.port()))).isTrue();
            assertThat(client.clientSocketFactory(EXPECTED)).as("older than half the time left").isNotSameAs(third);
        }
    }

    @Test
    void aSessionFromBeforeThisWorkloadsTrustAnchorsChangedMustVerifyAgainstTheNewOnes() throws Exception {
        MeshPki pki = new MeshPki(tmp.resolve("ca"));
        TestPki.Issued otherRoot = TestPki.rootCa("O=cluster.local,CN=Another root");
        TestPki.Issued otherClient = TestPki.leaf(otherRoot).uri(MeshPki.CLIENT.uri()).issue();
        SettableSource clientCerts = new SettableSource(pki.issue(MeshPki.CLIENT));
        try (MeshTls server = MeshTls.create(new SettableSource(pki.issue(MeshPki.SERVER)));
             MeshTls client = MeshTls.create(clientCerts);
             LoopbackServer srv = new LoopbackServer(server.serverContext(), server.serverParameters(true))) {
            MeshTls.ClientSide before = client.clientSide(EXPECTED);
            SSLSession session = connect(before.socketFactory(), srv.port());
            assertThat(before.hostnameVerifier().verify("reviews", session)).isTrue();

            // this workload now trusts only another root: the mesh root that signed the server is withdrawn
            clientCerts.set(new CertificateBundle(otherClient.key(), java.util.List.of(otherClient.cert()),
                    java.util.List.of(otherRoot.cert())));
            assertThat(client.clientSide(EXPECTED)).isNotSameAs(before);

            // the swap invalidated the old side's cached sessions, but a connection that took them a moment before
            // (here: the session made before the swap, verified after it) must verify against the new anchors
            assertThat(before.hostnameVerifier().verify("reviews", session)).isFalse();
            assertThatThrownBy(() -> connect(before.socketFactory(), srv.port())).as("a full handshake")
                    .hasMessageContaining("the chain does not verify to any trust anchor");
        }
    }
}

package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.security.internal.ca.BuiltInCaSource;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS handshakes on loopback between JDK sockets, with certificates from the built-in CA and minted bad ones. */
class MeshTlsTest {
    private static final SpiffeId OTHER = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/ratings");

    @TempDir
    Path tmp;

    private MeshPki pki;
    private CertificateSource serverSource;
    private CertificateSource clientSource;
    private MeshTls server;
    private MeshTls client;
    private LoopbackServer loopback;

    @BeforeEach
    void setUp() throws IOException {
        pki = new MeshPki(tmp.resolve("ca"));
        serverSource = CertificateSources.builtInCa(pki.dir, MeshPki.SERVER);
        clientSource = CertificateSources.builtInCa(pki.dir, MeshPki.CLIENT);
        server = MeshTls.create(serverSource);
        client = MeshTls.create(clientSource);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (loopback != null) {
            loopback.close();
        }
        server.close();
        client.close();
        serverSource.close();
        clientSource.close();
    }

    private LoopbackServer strictServer() throws IOException {
        loopback = new LoopbackServer(server.serverContext(), server.serverParameters(true));
        return loopback;
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(" | ");
        }
        return b.toString();
    }

    @Test
    void mutualTlsWithMeshCertificatesIdentifiesBothSides() throws Exception {
        LoopbackServer srv = strictServer();

        try (LoopbackServer.Client c = srv.connect(client.clientSocketFactory(Set.of(MeshPki.SERVER)))) {
            LoopbackServer.Handshake h = srv.nextHandshake();
            assertThat(h.ok()).as(h.failureMessages()).isTrue();
            assertThat(h.peer()).isEqualTo(MeshPki.CLIENT);
            assertThat(h.protocol()).isEqualTo("TLSv1.3");
            assertThat(MeshTls.peerIdentity(c.socket.getSession())).isEqualTo(MeshPki.SERVER);
            assertThat(c.exchange("ping")).isEqualTo("ping");
        }
    }

    @Test
    void anyServerOfTheTrustDomainWhenNoIdIsExpected() throws Exception {
        LoopbackServer srv = strictServer();

        try (LoopbackServer.Client c = srv.connect(client.clientSocketFactory(Set.of()))) {
            assertThat(MeshTls.peerIdentity(c.socket.getSession())).isEqualTo(MeshPki.SERVER);
        }
    }

    @Test
    void theClientRefusesAServerWithAnotherIdentity() throws Exception {
        LoopbackServer srv = strictServer();

        assertThatThrownBy(() -> srv.connect(client.clientSocketFactory(Set.of(OTHER))))
                .isInstanceOf(SSLException.class)
                .satisfies(e -> assertThat(messages(e)).contains("the server's SPIFFE ID " + MeshPki.SERVER
                        + " is not one of the expected identity [" + OTHER + "]"));
        assertThat(srv.nextHandshake().ok()).isFalse();

        try (LoopbackServer.Client c = srv.connect(client.clientSocketFactory(Set.of(OTHER, MeshPki.SERVER)))) {
            assertThat(c.exchange("either will do")).isEqualTo("either will do");
        }
    }

    @Test
    void socketFactoriesAreCachedPerExpectedSetSoPoolsCanReuseConnections() {
        SSLSocketFactory a = client.clientSocketFactory(Set.of(MeshPki.SERVER, OTHER));
        assertThat(client.clientSocketFactory(Set.of(OTHER, MeshPki.SERVER))).isSameAs(a);
        assertThat(client.clientSocketFactory(Set.of(MeshPki.SERVER))).isNotSameAs(a);
        assertThat(client.clientContext(Set.of(OTHER))).isSameAs(client.clientContext(Set.of(OTHER)));
    }

    @Test
    void theClientRefusesAServerCertificateOfAnotherTrustDomain() throws Exception {
        TestPki.Issued foreign = TestPki.leaf(pki.root()).uri("spiffe://example.org/ns/default/sa/reviews").issue();
        SSLContext badServer = TestPki.jdkContext(foreign.key(), List.of(foreign.cert()), pki.ca.roots());
        SSLParameters p = badServer.getDefaultSSLParameters();
        loopback = new LoopbackServer(badServer, p);

        assertThatThrownBy(() -> loopback.connect(client.clientSocketFactory(Set.of())))
                .isInstanceOf(SSLException.class)
                .satisfies(e -> assertThat(messages(e)).contains("the server's SPIFFE ID"
                        + " spiffe://example.org/ns/default/sa/reviews is in trust domain example.org, expected"
                        + " cluster.local"));
    }

    /** Presents {@code bad} as a client certificate with a plain JDK client; returns the server's failure. */
    private String refusedClient(TestPki.Issued bad) throws Exception {
        LoopbackServer srv = strictServer();
        SSLContext jdkClient = TestPki.jdkContext(bad.key(), List.of(bad.cert()), pki.ca.roots());

        assertThatThrownBy(() -> srv.connect(jdkClient.getSocketFactory())).isInstanceOf(IOException.class);
        LoopbackServer.Handshake h = srv.nextHandshake();
        assertThat(h.ok()).isFalse();
        return h.failureMessages();
    }

    @Test
    void refusesAClientCertificateFromAnotherCaWithTheSameName() throws Exception {
        TestPki.Issued otherRoot = TestPki.rootCa(pki.ca.signingCertificate().getSubjectX500Principal());
        TestPki.Issued bad = TestPki.leaf(otherRoot).uri(MeshPki.CLIENT.uri()).issue();

        assertThat(refusedClient(bad)).contains("the client's certificate chain is not trusted: the signature on"
                + " certificate " + MeshPki.CLIENT.uri() + " (serial " + bad.cert().getSerialNumber().toString(16)
                + ") does not verify with the key of the trust anchor 'CN=InMesh Root CA,O=cluster.local': another CA"
                + " of the same name signed it");
    }

    @Test
    void refusesAClientCertificateFromAnUnknownCa() throws Exception {
        TestPki.Issued otherRoot = TestPki.rootCa("O=example.org,CN=Elsewhere");
        TestPki.Issued bad = TestPki.leaf(otherRoot).uri(MeshPki.CLIENT.uri()).issue();

        assertThat(refusedClient(bad)).contains("the client's certificate chain is not trusted: the chain does not"
                + " verify to any trust anchor: no trusted root signed " + MeshPki.CLIENT.uri() + " (serial "
                + bad.cert().getSerialNumber().toString(16) + ") (issuer 'CN=Elsewhere,O=example.org')");
    }

    @Test
    void refusesAnExpiredClientCertificate() throws Exception {
        Instant end = Instant.ofEpochSecond(Instant.now().minus(Duration.ofMinutes(5)).getEpochSecond());
        TestPki.Issued bad = TestPki.leaf(pki.root()).uri(MeshPki.CLIENT.uri())
                .validity(end.minus(Duration.ofHours(24)), end).issue();

        assertThat(refusedClient(bad)).contains("the client's certificate chain is not trusted: certificate "
                + MeshPki.CLIENT.uri() + " (serial " + bad.cert().getSerialNumber().toString(16) + ") expired at " + end);
    }

    @Test
    void refusesAClientOfAnotherTrustDomain() throws Exception {
        TestPki.Issued bad = TestPki.leaf(pki.root()).uri("spiffe://evil.example/ns/default/sa/productpage").issue();

        assertThat(refusedClient(bad)).contains("the client's SPIFFE ID spiffe://evil.example/ns/default/sa/productpage"
                + " is in trust domain evil.example, expected cluster.local");
    }

    @Test
    void refusesAClientCertificateWithTwoUriSans() throws Exception {
        TestPki.Issued bad = TestPki.leaf(pki.root()).uri(MeshPki.CLIENT.uri()).uri(OTHER.uri()).issue();

        assertThat(refusedClient(bad)).contains("has 2 URI SANs (" + MeshPki.CLIENT.uri() + ", " + OTHER.uri()
                + "): an X.509-SVID carries exactly one spiffe:// URI SAN");
    }

    @Test
    void refusesACaCertificateUsedAsLeaf() throws Exception {
        TestPki.Issued bad = TestPki.leaf(pki.root()).ca(true).uri(MeshPki.CLIENT.uri()).issue();

        assertThat(refusedClient(bad)).contains("is a CA certificate (basicConstraints CA:TRUE): a workload"
                + " certificate must have CA:FALSE");
    }

    @Test
    void refusesAClientCertificateWithoutSpiffeId() throws Exception {
        TestPki.Issued bad = TestPki.leaf(pki.root()).subject("CN=productpage.default.svc").issue();

        assertThat(refusedClient(bad)).contains("'CN=productpage.default.svc' (serial "
                + bad.cert().getSerialNumber().toString(16) + ") has no URI SAN");
    }

    @Test
    void strictRefusesAClientWithoutCertificatePermissiveLetsItInWithoutIdentity() throws Exception {
        SSLContext anonymous = TestPki.jdkContext(null, List.of(), pki.ca.roots());
        LoopbackServer strict = strictServer();
        assertThatThrownBy(() -> strict.connect(anonymous.getSocketFactory())).isInstanceOf(IOException.class);
        assertThat(strict.nextHandshake().ok()).isFalse();

        try (LoopbackServer permissive = new LoopbackServer(server.serverContext(), server.serverParameters(false));
             LoopbackServer.Client c = permissive.connect(anonymous.getSocketFactory())) {
            LoopbackServer.Handshake h = permissive.nextHandshake();
            assertThat(h.ok()).isTrue();
            assertThat(h.peer()).isNull();
            assertThat(c.exchange("anonymous")).isEqualTo("anonymous");
        }
    }

    @Test
    void permissiveStillIdentifiesAClientThatPresentsACertificate() throws Exception {
        try (LoopbackServer permissive = new LoopbackServer(server.serverContext(), server.serverParameters(false));
             LoopbackServer.Client c = permissive.connect(client.clientSocketFactory(Set.of(MeshPki.SERVER)))) {
            assertThat(permissive.nextHandshake().peer()).isEqualTo(MeshPki.CLIENT);
            assertThat(c.exchange("identified")).isEqualTo("identified");
        }
    }

    @Test
    void speaksTls13AndTls12Only() throws Exception {
        SSLSocket s = (SSLSocket) client.clientSocketFactory(Set.of()).createSocket();
        assertThat(s.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(s.getSSLParameters().getEndpointIdentificationAlgorithm()).isNull();
        s.close();
        assertThat(server.serverParameters(true).getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(server.serverParameters(true).getNeedClientAuth()).isTrue();
        assertThat(server.serverParameters(false).getWantClientAuth()).isTrue();

        LoopbackServer srv = strictServer();
        SSLSocketFactory tls12 = new SSLSocketFactoryWrapper(client.clientSocketFactory(Set.of(MeshPki.SERVER)),
                "TLSv1.2");
        try (LoopbackServer.Client c = srv.connect(tls12)) {
            LoopbackServer.Handshake h = srv.nextHandshake();
            assertThat(h.protocol()).isEqualTo("TLSv1.2");
            assertThat(h.peer()).isEqualTo(MeshPki.CLIENT);
            assertThat(MeshTls.peerIdentity(c.socket.getSession())).isEqualTo(MeshPki.SERVER);
        }
    }

    @Test
    void rotationAtHalfLifeServesTheNewLeafToNewHandshakesAndKeepsOpenConnections() throws Exception {
        ManualClock clock = ManualClock.atNow();
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (BuiltInCaSource rotating = BuiltInCaSource.start(pki.ca, MeshPki.SERVER, Duration.ofHours(24), clock,
                scheduler, new SplittableRandom(7));
             CertificateSource clientCerts = BuiltInCaSource.start(pki.ca, MeshPki.CLIENT, Duration.ofHours(24),
                     clock, new ManualScheduler(clock), new SplittableRandom(8));
             MeshTls rotatingServer = MeshTls.create(rotating, clock);
             MeshTls clockedClient = MeshTls.create(clientCerts, clock);
             LoopbackServer srv = new LoopbackServer(rotatingServer.serverContext(),
                     rotatingServer.serverParameters(true))) {
            SSLSocketFactory factory = clockedClient.clientSocketFactory(Set.of(MeshPki.SERVER));
            X509Certificate first = rotating.current().leaf();
            LoopbackServer.Client open = srv.connect(factory);
            assertThat(open.socket.getSession().getPeerCertificates()[0]).isEqualTo(first);

            clock.set(rotating.renewAt());
            assertThat(scheduler.runDue()).isEqualTo(1);

            X509Certificate second = rotating.current().leaf();
            assertThat(second).isNotEqualTo(first);
            assertThat(rotatingServer.current().leaf()).isEqualTo(second);
            assertThat(open.exchange("still open")).isEqualTo("still open");
            try (LoopbackServer.Client fresh = srv.connect(factory)) {
                assertThat(fresh.socket.getSession().getPeerCertificates()[0]).isEqualTo(second);
                assertThat(fresh.exchange("new leaf")).isEqualTo("new leaf");
            }
            assertThat(open.exchange("and still open")).isEqualTo("and still open");
            open.close();
            assertThat(rotatingServer.lastRejection()).isEmpty();
        }
    }

    @Test
    void badMaterialFromASourceIsRefusedAndTheLastGoodKeepsServing() throws Exception {
        CertificateBundle good = pki.issue(MeshPki.SERVER);
        SettableSource source = new SettableSource(good);
        try (MeshTls tls = MeshTls.create(source);
             LoopbackServer srv = new LoopbackServer(tls.serverContext(), tls.serverParameters(true))) {
            CertificateBundle other = pki.issue(MeshPki.SERVER);
            source.set(new CertificateBundle(other.privateKey(), good.chain(), good.trustAnchors()));

            assertThat(tls.current()).isEqualTo(good);
            assertThat(tls.lastRejection()).hasValue("the private key in the private key does not match the leaf"
                    + " certificate in the certificate chain (a signature made with the key does not verify with the"
                    + " certificate's public key)");

            Instant end = Instant.ofEpochSecond(Instant.now().minusSeconds(60).getEpochSecond());
            TestPki.Issued expired = TestPki.leaf(pki.root()).uri(MeshPki.SERVER.uri())
                    .validity(end.minus(Duration.ofHours(1)), end).issue();
            source.set(pki.bundle(expired));

            assertThat(tls.lastRejection()).hasValueSatisfying(r -> assertThat(r)
                    .startsWith("the leaf certificate in the certificate chain expired at " + end));
            try (LoopbackServer.Client c = srv.connect(client.clientSocketFactory(Set.of(MeshPki.SERVER)))) {
                assertThat(c.socket.getSession().getPeerCertificates()[0]).isEqualTo(good.leaf());
            }
        }
    }

    @Test
    void unusableInitialMaterialIsRefusedAtOnce() throws Exception {
        TestPki.Issued caAsLeaf = TestPki.leaf(pki.root()).ca(true).uri(MeshPki.SERVER.uri()).issue();

        assertThatThrownBy(() -> MeshTls.create(new SettableSource(pki.bundle(caAsLeaf))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the certificate source's material cannot be used: the leaf certificate in"
                        + " the certificate chain is a CA certificate (basicConstraints CA:TRUE)");
    }

    @Test
    void privateKeysAreNeverShown() throws Exception {
        CertificateBundle b = pki.issue(MeshPki.SERVER);
        String encoded = Base64.getEncoder().encodeToString(b.privateKey().getEncoded());

        for (String s : List.of(b.toString(), server.toString())) {
            assertThat(s).doesNotContain(encoded.substring(0, 40)).doesNotContain("PRIVATE KEY");
        }
        assertThat(b.toString()).startsWith("CertificateBundle[id=" + MeshPki.SERVER.uri() + ", serial=")
                .endsWith(", chain=1, trustAnchors=1, privateKey=(EC, not shown)]");
    }

    @Test
    void peerIdentityIsNullWithoutAPeerCertificate() throws Exception {
        try (LoopbackServer permissive = new LoopbackServer(server.serverContext(), server.serverParameters(false));
             LoopbackServer.Client c = permissive.connect(
                     TestPki.jdkContext(null, List.of(), pki.ca.roots()).getSocketFactory())) {
            assertThat(permissive.nextHandshake().peer()).isNull();
            assertThat(MeshTls.peerIdentity(c.socket.getSession())).isEqualTo(MeshPki.SERVER);
        }
    }
}

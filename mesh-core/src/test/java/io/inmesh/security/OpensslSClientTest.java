package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code openssl s_client} as an outside client of a JDK server that uses the mesh's TLS. */
class OpensslSClientTest {
    @TempDir
    Path tmp;

    private CertificateSource serverCerts;
    private MeshTls server;
    private LoopbackServer loopback;
    private Path client;

    @BeforeEach
    void setUp() throws Exception {
        Openssl.assumeAvailable();
        MeshPki pki = new MeshPki(tmp.resolve("ca"));
        serverCerts = CertificateSources.builtInCa(pki.dir, MeshPki.SERVER);
        server = MeshTls.create(serverCerts);
        loopback = new LoopbackServer(server.serverContext(), server.serverParameters(true));
        client = tmp.resolve("client");
        MeshPki.write(client, pki.issue(MeshPki.CLIENT));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (loopback != null) {
            loopback.close();
            server.close();
            serverCerts.close();
        }
    }

    private Openssl.Run sClient(String... extra) throws Exception {
        String[] base = {"s_client", "-connect", "127.0.0.1:" + loopback.port(), "-CAfile",
                client.resolve("root-cert.pem").toString(), "-verify_return_error", "-ign_eof"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Openssl.runWithInput("close\n", args);
    }

    @Test
    void acceptsAMeshClientCertificateAndVerifiesTheServersChain() throws Exception {
        Openssl.Run run = sClient("-cert", client.resolve("cert-chain.pem").toString(), "-key",
                client.resolve("key.pem").toString());

        LoopbackServer.Handshake h = loopback.nextHandshake();
        assertThat(h.ok()).as(h.failureMessages()).isTrue();
        assertThat(h.peer()).isEqualTo(MeshPki.CLIENT);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("Verify return code: 0 (ok)")
                .contains("hello " + MeshPki.CLIENT.uri())
                .contains("Protocol  : TLSv1.3");
    }

    @Test
    void refusesAClientWithoutCertificateWhenOneIsRequired() throws Exception {
        Openssl.Run run = sClient();

        LoopbackServer.Handshake h = loopback.nextHandshake();
        assertThat(h.ok()).isFalse();
        assertThat(h.failureMessages()).contains("Empty client certificate chain");
        assertThat(run.output()).doesNotContain("hello ").contains("alert bad certificate"); // the JDK answers with alert 42
    }

    @Test
    void refusesAClientCertificateTheServerDoesNotTrust() throws Exception {
        Path stranger = tmp.resolve("stranger");
        Files.createDirectories(stranger);
        MeshPki otherPki = new MeshPki(tmp.resolve("other-ca"));
        MeshPki.write(stranger, otherPki.issue(MeshPki.CLIENT));

        Openssl.Run run = sClient("-cert", stranger.resolve("cert-chain.pem").toString(), "-key",
                stranger.resolve("key.pem").toString());

        LoopbackServer.Handshake h = loopback.nextHandshake();
        assertThat(h.ok()).isFalse();
        assertThat(h.failureMessages()).contains("the client's certificate chain is not trusted");
        assertThat(run.output()).doesNotContain("hello ").contains("alert certificate unknown"); // from the trust manager's refusal
    }
}

package io.inmesh.security.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.security.CertificateBundle;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshPki;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A mesh workload ({@code reviews} in namespace {@code default}) served by a {@link MeshJettyServer} with certificates
 * from the built-in CA in a test directory, its configuration in a {@link ConfigHolder} the test updates; and client
 * certificates, good and bad, written as PEM files for curl and openssl.
 */
final class MeshServerTestBed implements AutoCloseable {
    static final Workload REVIEWS = new Workload("default", "reviews", Map.of("app", "reviews"));
    static final SpiffeId SERVER_ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    static final SpiffeId FRONTEND = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/frontend");
    static final SpiffeId PRODUCTPAGE = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");

    /** How the fixture's port is built. */
    enum Port {
        /** TLS and plaintext on one port, client certificate optional at the handshake. */
        DETECTING,
        /** TLS only, client certificate required at the handshake. */
        TLS_NEED_CLIENT_CERT
    }

    private static final String SERVER_CERTS = "server-certs";

    final Path dir;
    final MeshPki pki;
    final CertificateSource serverCerts;
    final MeshTls tls;
    final ConfigHolder holder;
    final Mesh mesh;
    final MeshJettyServer server;
    private int clients;

    private MeshServerTestBed(Path dir, String yaml, Port port, Path watchedFile, boolean serverPemFiles)
            throws Exception {
        this.dir = dir;
        this.pki = new MeshPki(dir.resolve("ca"));
        if (serverPemFiles) {
            MeshPki.write(dir.resolve(SERVER_CERTS), pki.issue(SERVER_ID));
            this.serverCerts = CertificateSources.pemFiles(dir.resolve(SERVER_CERTS));
        } else {
            this.serverCerts = CertificateSources.builtInCa(pki.dir, SERVER_ID);
        }
        this.tls = MeshTls.create(serverCerts);
        if (watchedFile == null) {
            this.holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
            config(yaml);
            this.mesh = Mesh.builder().workload(REVIEWS).configHolder(holder).build();
        } else {
            Files.writeString(watchedFile, yaml);
            this.mesh = Mesh.builder().workload(REVIEWS).config(ConfigSources.file(watchedFile)).build();
            this.holder = mesh.config();
        }
        this.server = port == Port.DETECTING ? MeshJettyServer.detecting(mesh, tls)
                : MeshJettyServer.tlsOnly(mesh, tls, true);
    }

    /** A detecting port, the configuration in a holder that {@link #config} updates. */
    static MeshServerTestBed start(Path dir, String yaml) throws Exception {
        return new MeshServerTestBed(dir, yaml, Port.DETECTING, null, false);
    }

    static MeshServerTestBed start(Path dir, String yaml, Port port) throws Exception {
        return new MeshServerTestBed(dir, yaml, port, null, false);
    }

    /** A detecting port, the configuration read from {@code file} (written with {@code yaml} first) and watched. */
    static MeshServerTestBed startWatching(Path dir, Path file, String yaml) throws Exception {
        return new MeshServerTestBed(dir, yaml, Port.DETECTING, file, false);
    }

    /**
     * A detecting port whose own certificate comes from PEM files in a watched directory, as a mounted secret would,
     * so that {@link #rotateServerCertificate()} can replace it.
     */
    static MeshServerTestBed startWithServerPemFiles(Path dir, String yaml) throws Exception {
        return new MeshServerTestBed(dir, yaml, Port.DETECTING, null, true);
    }

    /** Writes a new certificate for the server into its watched directory (only with {@link #startWithServerPemFiles}). */
    CertificateBundle rotateServerCertificate() throws Exception {
        CertificateBundle next = pki.issue(SERVER_ID);
        MeshPki.write(dir.resolve(SERVER_CERTS), next);
        return next;
    }

    /** A PeerAuthentication for namespace {@code default} with {@code mode}, as YAML. */
    static String peerAuthentication(String mode) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: default}
                spec:
                  mtls: {mode: %s}
                """.formatted(mode);
    }

    /** Replaces the whole configuration with {@code yaml}; fails unless it was applied. */
    void config(String yaml) {
        ConfigUpdate u = update(yaml);
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected ? ((ConfigUpdate.Rejected) u).rejection()
                .diagnostics() : "").isInstanceOf(ConfigUpdate.Applied.class);
    }

    /** Offers {@code yaml} as the whole configuration; the holder applies or rejects it. */
    ConfigUpdate update(String yaml) {
        return holder.update(List.of(new ConfigFile("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
    }

    /** A directory with Istio's three PEM files of a 24 h certificate for {@code id} from the mesh's CA. */
    Path client(SpiffeId id) throws Exception {
        Path d = newClientDir(id.serviceAccount());
        MeshPki.write(d, pki.issue(id));
        return d;
    }

    /** A certificate for {@code id} from another CA of the same trust domain (its own root-cert.pem). */
    Path otherCaClient(SpiffeId id) throws Exception {
        MeshPki other = new MeshPki(dir.resolve("other-ca-" + (++clients)));
        Path d = newClientDir("other-ca-" + id.serviceAccount());
        MeshPki.write(d, other.issue(id));
        return d;
    }

    /** A certificate for {@code id} from the mesh's CA that expired a day ago (it was valid for one hour). */
    Path expiredClient(SpiffeId id) throws Exception {
        Path d = newClientDir("expired-" + id.serviceAccount());
        MeshPki.write(d, pki.issue(id, Duration.ofHours(1), Instant.now().minus(Duration.ofHours(25))));
        return d;
    }

    /** A certificate signed by the mesh's own root for a SPIFFE ID of another trust domain, {@code uri}. */
    Path foreignTrustDomainClient(String uri) throws Exception {
        TestPki.Issued leaf = TestPki.leaf(pki.root()).uri(uri).issue();
        Path d = newClientDir("foreign-td");
        MeshPki.write(d, pki.bundle(leaf));
        return d;
    }

    private Path newClientDir(String name) {
        return dir.resolve("client-" + (++clients) + "-" + name);
    }

    /** curl's pin of the server's public key: {@code sha256//BASE64(SHA-256(SubjectPublicKeyInfo))}. */
    String serverPin() throws Exception {
        byte[] spki = tls.current().chain().get(0).getPublicKey().getEncoded();
        return "sha256//" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }

    /** {@code curl http://127.0.0.1:PORT/path}. */
    Curl.Result plaintext(String path, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(extra));
        args.add(server.httpUrl(path));
        return Curl.run(args.toArray(new String[0]));
    }

    /**
     * {@code curl https://127.0.0.1:PORT/path} presenting the certificate in {@code client} (null: none). The server's
     * certificate names it by SPIFFE ID only (no DNS or IP SAN), which curl cannot check against the URL's host:
     * {@code -k} turns curl's own check off, and {@code --pinnedpubkey} (checked even with {@code -k}) makes sure the
     * server is the mesh server; openssl s_client verifies the server's chain against root-cert.pem in
     * {@link SClientHandshakeTest}.
     */
    Curl.Result mtls(Path client, String path, String... extra) throws Exception {
        return mtlsUrl(client, server.httpsUrl(path), extra);
    }

    /** {@link #mtls} to another URL (a host name with {@code --resolve}). */
    Curl.Result mtlsUrl(Path client, String url, String... extra) throws Exception {
        return mtlsPinned(client, url, serverPin(), extra);
    }

    /** {@link #mtlsUrl} expecting the server's key to have the pin {@code pin}. */
    Curl.Result mtlsPinned(Path client, String url, String pin, String... extra) throws Exception {
        List<String> args = new ArrayList<>();
        if (client != null) {
            args.addAll(List.of("--cert", client.resolve("cert-chain.pem").toString(),
                    "--key", client.resolve("key.pem").toString(),
                    "--cacert", client.resolve("root-cert.pem").toString()));
        }
        args.addAll(List.of("-k", "--pinnedpubkey", pin));
        args.addAll(List.of(extra));
        args.add(url);
        return Curl.run(args.toArray(new String[0]));
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            mesh.close();
            tls.close();
            serverCerts.close();
        }
    }
}

package io.inmesh.security;

import io.inmesh.security.internal.ca.CertificateAuthority;
import io.inmesh.security.internal.tls.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A built-in CA in a test directory, for issuing good material and for minting bad material under the same root. */
public final class MeshPki {
    public static final SpiffeId SERVER = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    public static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");

    public final Path dir;
    public final CertificateAuthority ca;
    private final Clock clock;

    public MeshPki(Path dir, Clock clock) throws IOException {
        this.dir = dir;
        this.clock = clock;
        this.ca = CertificateAuthority.loadOrCreate(dir, "cluster.local", clock);
    }

    public MeshPki(Path dir) throws IOException {
        this(dir, Clock.systemUTC());
    }

    /** A 24 h bundle for {@code id}, issued now. */
    public CertificateBundle issue(SpiffeId id) throws IOException {
        return ca.issue(id, Duration.ofHours(24), clock.instant());
    }

    public CertificateBundle issue(SpiffeId id, Duration ttl, Instant at) throws IOException {
        return ca.issue(id, ttl, at);
    }

    /** The root with its key, to sign bad certificates under the mesh's own root. */
    public TestPki.Issued root() throws IOException {
        PrivateKey key = Pem.readPrivateKey(Files.readAllBytes(dir.resolve("root-key.pem")), "root-key.pem");
        return new TestPki.Issued(key, ca.signingCertificate());
    }

    /** A bundle of {@code key} and {@code leaf} under the mesh root. */
    public CertificateBundle bundle(TestPki.Issued leaf) {
        return new CertificateBundle(leaf.key(), List.of(leaf.cert()), ca.roots());
    }

    /** Istio's three files for {@code b}, as a name to content map. */
    public static Map<String, String> files(CertificateBundle b) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("cert-chain.pem", new String(Pem.certificates(b.chain())));
        files.put("key.pem", new String(Pem.privateKey(b.privateKey())));
        files.put("root-cert.pem", new String(Pem.certificates(b.trustAnchors())));
        return files;
    }

    /** Writes Istio's three files for {@code b} into {@code dir}, each replaced whole by a rename. */
    public static void write(Path dir, CertificateBundle b) throws IOException {
        write(dir, files(b));
    }

    public static void write(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path tmp = dir.resolve("." + f.getKey() + ".tmp");
            Files.writeString(tmp, f.getValue());
            Files.move(tmp, dir.resolve(f.getKey()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

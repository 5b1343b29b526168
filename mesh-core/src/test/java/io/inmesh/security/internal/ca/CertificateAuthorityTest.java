package io.inmesh.security.internal.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.ManualClock;
import io.inmesh.security.Openssl;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.TestPki;
import io.inmesh.security.internal.tls.InvalidMaterialException;
import io.inmesh.security.internal.tls.Pem;
import io.inmesh.security.internal.tls.Svid;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final SpiffeId ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");

    @TempDir
    Path tmp;

    private final ManualClock clock = ManualClock.atNow();

    @Test
    void createsARootInAMissingDirectoryWithThePrivateKeyReadableByItsOwnerOnly() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "cluster.local", clock);

        assertThat(Files.getPosixFilePermissions(dir.resolve("root-key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        X509Certificate root = ca.signingCertificate();
        assertThat(root.getBasicConstraints()).isNotEqualTo(-1);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(Svid.uriSans(root)).containsExactly("spiffe://cluster.local");
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=InMesh Root CA,O=cluster.local");
        assertThat(Duration.between(clock.instant(), root.getNotAfter().toInstant()))
                .isEqualTo(CertificateAuthority.ROOT_VALIDITY);
        assertThat(ca.trustDomain()).isEqualTo("cluster.local");
        assertThat(ca.roots()).containsExactly(root);
    }

    @Test
    void loadsTheSameCaAgain() throws Exception {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        CertificateAuthority again = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        CertificateAuthority loaded = CertificateAuthority.load(tmp, clock);

        assertThat(again.signingCertificate()).isEqualTo(first.signingCertificate());
        assertThat(loaded.signingCertificate()).isEqualTo(first.signingCertificate());
        // what the reloaded CA issues verifies to the first one's root
        CertificateBundle b = loaded.issue(ID, Duration.ofHours(24), clock.instant());
        b.leaf().verify(first.signingCertificate().getPublicKey());
    }

    @Test
    void issuesX509Svids() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);

        CertificateBundle b = ca.issue(ID, Duration.ofHours(24), clock.instant());

        X509Certificate leaf = b.leaf();
        assertThat(b.chain()).containsExactly(leaf);
        assertThat(b.trustAnchors()).containsExactly(ca.signingCertificate());
        assertThat(b.spiffeId()).isEqualTo(ID);
        assertThat(Svid.uriSans(leaf)).containsExactly(ID.uri());
        assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17"); // SAN critical: the subject is empty
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly(Svid.SERVER_AUTH, Svid.CLIENT_AUTH);
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(leaf.getPublicKey().toString()).contains("secp256r1");
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(b.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(clock.instant().minus(CertificateAuthority.BACKDATE));
        leaf.verify(ca.signingCertificate().getPublicKey());
    }

    @Test
    void aTtlBeyondTheCaIsCutToTheCasExpiry() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        clock.advance(CertificateAuthority.ROOT_VALIDITY.minus(Duration.ofHours(2)));

        CertificateBundle b = ca.issue(ID, Duration.ofHours(24), clock.instant());

        assertThat(b.notAfter()).isEqualTo(ca.signingCertificate().getNotAfter().toInstant());
    }

    @Test
    void anExpiredCaIssuesNothing() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        clock.advance(CertificateAuthority.ROOT_VALIDITY.plusDays(1));

        assertThatThrownBy(() -> ca.issue(ID, Duration.ofHours(24), clock.instant()))
                .isInstanceOf(InvalidMaterialException.class)
                .hasMessageContaining("root-cert.pem: the CA certificate expired at");
        assertThatThrownBy(() -> CertificateAuthority.load(tmp, clock))
                .hasMessageContaining("the CA certificate expired at");
    }

    @Test
    void refusesAnIdentityOfAnotherTrustDomain() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);

        assertThatThrownBy(() -> ca.issue(SpiffeId.parse("spiffe://example.org/ns/a/sa/b"), Duration.ofHours(1),
                clock.instant()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("spiffe://example.org/ns/a/sa/b is in trust domain example.org, but the CA in " + tmp
                        + " signs for trust domain cluster.local (root-cert.pem)");
    }

    @Test
    void refusesACorruptKeyAndNeverReplacesIt() throws Exception {
        CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        Files.writeString(tmp.resolve("root-key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock))
                .isInstanceOf(InvalidMaterialException.class)
                .hasMessageStartingWith(tmp.resolve("root-key.pem") + ": ");
        assertThat(Files.readString(tmp.resolve("root-key.pem"))).contains("AAAA");
    }

    @Test
    void refusesAKeyThatDoesNotMatchTheRoot() throws Exception {
        CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        Files.write(tmp.resolve("root-key.pem"), Pem.privateKey(TestPki.ecKeyPair().getPrivate()));

        assertThatThrownBy(() -> CertificateAuthority.load(tmp, clock))
                .isInstanceOf(InvalidMaterialException.class)
                .hasMessage("the private key in " + tmp.resolve("root-key.pem") + " does not match the CA certificate"
                        + " in " + tmp.resolve("root-cert.pem") + " (a signature made with the key does not verify"
                        + " with the certificate's public key)");
    }

    @Test
    void refusesAnIncompleteCa() throws Exception {
        CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        Files.delete(tmp.resolve("root-key.pem"));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock))
                .hasMessage(tmp + ": the CA is incomplete: root-key.pem is missing (found root-cert.pem)");
    }

    @Test
    void refusesALeafAsCaCertificate() throws Exception {
        TestPki.Issued root = TestPki.rootCa("CN=Root");
        TestPki.Issued leaf = TestPki.leaf(root).uri("spiffe://cluster.local/ns/a/sa/b").issue();
        Files.write(tmp.resolve("root-cert.pem"), Pem.certificates(List.of(leaf.cert())));
        Files.write(tmp.resolve("root-key.pem"), Pem.privateKey(leaf.key()));

        assertThatThrownBy(() -> CertificateAuthority.load(tmp, clock))
                .hasMessageContaining("is not a CA certificate (basicConstraints CA:TRUE is missing)");
    }

    @Test
    void createRefusesToOverwrite() throws Exception {
        CertificateAuthority.create(tmp, "cluster.local", clock);

        assertThatThrownBy(() -> CertificateAuthority.create(tmp, "cluster.local", clock))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("already holds a CA");
    }

    @Test
    void loadWithoutCaSaysHowToCreateOne() {
        assertThatThrownBy(() -> CertificateAuthority.load(tmp, clock))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("create one with 'mesh ca init --dir " + tmp + "'");
    }

    @Test
    void refusesAnInvalidTrustDomain() {
        assertThatThrownBy(() -> CertificateAuthority.create(tmp.resolve("x"), "Not Valid", clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trust domain \"Not Valid\" is not valid");
    }

    @Test
    void issuedCertificatesPassOpensslVerifyAndShowTheSvidFields() throws Exception {
        Openssl.assumeAvailable();
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp.resolve("ca"), "cluster.local",
                java.time.Clock.systemUTC());
        CertificateBundle b = ca.issue(ID, Duration.ofHours(24), java.time.Instant.now());
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.write(out.resolve("cert-chain.pem"), Pem.certificates(b.chain()));
        Files.write(out.resolve("key.pem"), Pem.privateKey(b.privateKey()));

        Openssl.Run verify = Openssl.run("verify", "-CAfile", tmp.resolve("ca/root-cert.pem").toString(),
                out.resolve("cert-chain.pem").toString()).assertOk();
        assertThat(verify.stdout()).contains("cert-chain.pem: OK");

        String text = Openssl.run("x509", "-in", out.resolve("cert-chain.pem").toString(), "-noout", "-text")
                .assertOk().stdout();
        assertThat(text).contains("URI:spiffe://cluster.local/ns/default/sa/reviews")
                .contains("CA:FALSE")
                .contains("Digital Signature")
                .doesNotContain("Certificate Sign")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication")
                .contains("ASN1 OID: prime256v1")
                .contains("X509v3 Subject Alternative Name: critical");
        String rootText = Openssl.run("x509", "-in", tmp.resolve("ca/root-cert.pem").toString(), "-noout", "-text")
                .assertOk().stdout();
        assertThat(rootText).contains("CA:TRUE").contains("Certificate Sign").contains("URI:spiffe://cluster.local");
        // openssl reads the key, and it is the leaf's
        String keyPub = Openssl.run("pkey", "-in", out.resolve("key.pem").toString(), "-pubout").assertOk().stdout();
        String certPub = Openssl.run("x509", "-in", out.resolve("cert-chain.pem").toString(), "-noout", "-pubkey")
                .assertOk().stdout();
        assertThat(keyPub).isEqualTo(certPub);
    }

    @Test
    void signsWithAnIntermediateInIstiosCacertsLayoutMadeByOpenssl() throws Exception {
        Openssl.assumeAvailable();
        Path dir = Files.createDirectory(tmp.resolve("cacerts"));
        Path ext = tmp.resolve("ext.cnf");
        Files.writeString(ext, "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                + "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
                + "subjectAltName=URI:spiffe://cluster.local\n");
        String root = tmp.resolve("root-cert.pem").toString();
        String rootKey = tmp.resolve("root-key.pem").toString();
        Openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", rootKey, "-out", root, "-days", "30", "-subj", "/O=cluster.local/CN=Root CA").assertOk();
        String csr = tmp.resolve("ca.csr").toString();
        Openssl.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", dir.resolve("ca-key.pem").toString(), "-out", csr,
                "-subj", "/O=cluster.local/CN=Intermediate CA").assertOk();
        Openssl.run("x509", "-req", "-in", csr, "-CA", root, "-CAkey", rootKey, "-CAcreateserial", "-days", "10",
                "-extfile", ext.toString(), "-extensions", "ca", "-out", dir.resolve("ca-cert.pem").toString())
                .assertOk();
        Files.copy(Path.of(root), dir.resolve("root-cert.pem"));
        Files.writeString(dir.resolve("cert-chain.pem"), Files.readString(dir.resolve("ca-cert.pem"))
                + Files.readString(Path.of(root)));

        CertificateAuthority ca = CertificateAuthority.load(dir, java.time.Clock.systemUTC());
        CertificateBundle b = ca.issue(ID, Duration.ofHours(1), java.time.Instant.now());

        assertThat(ca.trustDomain()).isEqualTo("cluster.local");
        assertThat(b.chain()).hasSize(2);
        assertThat(b.chain().get(1)).isEqualTo(ca.signingCertificate());
        Path chain = tmp.resolve("cert-chain.pem");
        Files.write(chain, Pem.certificates(b.chain()));
        Openssl.run("verify", "-CAfile", root, "-untrusted", chain.toString(), chain.toString()).assertOk();
    }
}

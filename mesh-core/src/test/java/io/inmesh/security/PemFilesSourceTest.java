package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.source.KubeletVolume;
import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesSourceTest {
    /** Events, with a quick poll as the safety net. */
    private static final WatchOptions FAST = WatchOptions.builder().pollInterval(Duration.ofMillis(250)).build();

    @TempDir
    Path tmp;

    private MeshPki pki;
    private Path certs;

    @BeforeEach
    void setUp() throws IOException {
        pki = new MeshPki(tmp.resolve("ca"));
        certs = tmp.resolve("certs");
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20));
    }

    @Test
    void readsIstiosFilesAndReloadsWhenTheyAreReplaced() throws Exception {
        CertificateBundle first = pki.issue(MeshPki.SERVER);
        MeshPki.write(certs, first);
        try (CertificateSource source = CertificateSources.pemFiles(certs, FAST)) {
            assertThat(source.current()).isEqualTo(first);
            List<CertificateBundle> heard = new CopyOnWriteArrayList<>();
            source.addListener(heard::add);

            CertificateBundle second = pki.issue(MeshPki.SERVER);
            MeshPki.write(certs, second);

            await().until(() -> source.current().equals(second));
            assertThat(heard).containsExactly(second);
            assertThat(source.lastRejection()).isEmpty();
        }
    }

    @Test
    void followsAKubernetesVolumesDataSymlinkSwap() throws Exception {
        CertificateBundle first = pki.issue(MeshPki.SERVER);
        Path mount = tmp.resolve("secret");
        KubeletVolume volume = KubeletVolume.create(mount, MeshPki.files(first));
        assertThat(Files.isSymbolicLink(mount.resolve("..data"))).isTrue();
        try (CertificateSource source = CertificateSources.pemFiles(mount, FAST)) {
            assertThat(source.current()).isEqualTo(first);

            CertificateBundle second = pki.issue(MeshPki.CLIENT);
            volume.update(MeshPki.files(second));

            await().until(() -> source.current().equals(second));
            assertThat(source.current().spiffeId()).isEqualTo(MeshPki.CLIENT);
        }
    }

    @Test
    void anExpiredReplacementIsRefusedAndTheLastGoodStays() throws Exception {
        CertificateBundle good = pki.issue(MeshPki.SERVER);
        MeshPki.write(certs, good);
        try (CertificateSource source = CertificateSources.pemFiles(certs, FAST);
             MeshTls tls = MeshTls.create(source)) {
            Instant expiredAt = Instant.ofEpochSecond(Instant.now().minus(Duration.ofHours(1)).getEpochSecond());
            TestPki.Issued expired = TestPki.leaf(pki.root()).uri(MeshPki.SERVER.uri())
                    .validity(expiredAt.minus(Duration.ofHours(24)), expiredAt).issue();
            MeshPki.write(certs, pki.bundle(expired));

            await().until(() -> source.lastRejection().isPresent());
            assertThat(source.lastRejection().get())
                    .startsWith("the leaf certificate in cert-chain.pem expired at " + expiredAt + " (now ");
            assertThat(source.current()).isEqualTo(good);
            assertThat(tls.current()).isEqualTo(good);
            assertThat(tls.lastRejection()).isEqualTo(source.lastRejection());
        }
    }

    @Test
    void aKeyThatDoesNotMatchIsRefusedUntilTheMatchingOneArrives() throws Exception {
        CertificateBundle good = pki.issue(MeshPki.SERVER);
        MeshPki.write(certs, good);
        try (CertificateSource source = CertificateSources.pemFiles(certs, FAST)) {
            CertificateBundle next = pki.issue(MeshPki.SERVER);
            Map<String, String> files = MeshPki.files(next);
            MeshPki.write(certs, Map.of("cert-chain.pem", files.get("cert-chain.pem"))); // the key is still the old one

            await().until(() -> source.lastRejection().isPresent());
            assertThat(source.lastRejection().get()).isEqualTo("the private key in key.pem does not match the leaf"
                    + " certificate in cert-chain.pem (a signature made with the key does not verify with the"
                    + " certificate's public key)");
            assertThat(source.current()).isEqualTo(good);

            MeshPki.write(certs, Map.of("key.pem", files.get("key.pem")));

            await().until(() -> source.current().equals(next));
        }
    }

    @Test
    void garbageAndAForeignRootAreRefusedNamingTheFile() throws Exception {
        CertificateBundle good = pki.issue(MeshPki.SERVER);
        MeshPki.write(certs, good);
        try (CertificateSource source = CertificateSources.pemFiles(certs, FAST)) {
            MeshPki.write(certs, Map.of("key.pem", "not a key\n"));
            await().until(() -> source.lastRejection().isPresent());
            assertThat(source.lastRejection().get()).isEqualTo("key.pem: no PEM PRIVATE KEY block found");

            TestPki.Issued otherRoot = TestPki.rootCa("O=cluster.local,CN=Other");
            MeshPki.write(certs, Map.of("key.pem", MeshPki.files(good).get("key.pem"), "root-cert.pem",
                    new String(io.inmesh.security.internal.tls.Pem.certificates(List.of(otherRoot.cert())))));
            await().until(() -> source.lastRejection().get().contains("root-cert.pem"));
            assertThat(source.lastRejection().get()).startsWith("the chain in cert-chain.pem does not verify to the"
                    + " trust anchors in root-cert.pem: the chain does not verify to any trust anchor");
            assertThat(source.current()).isEqualTo(good);
        }
    }

    @Test
    void startingWithoutTheFilesNamesTheMissingOne() throws Exception {
        MeshPki.write(certs, pki.issue(MeshPki.SERVER));
        Files.delete(certs.resolve("key.pem"));

        assertThatThrownBy(() -> CertificateSources.pemFiles(certs))
                .isInstanceOf(IOException.class)
                .hasMessage("PEM files " + certs + ": " + certs.resolve("key.pem") + ": no such file or directory")
                .hasCauseInstanceOf(NoSuchFileException.class);
    }

    @Test
    void startingWithUnusableMaterialSaysWhy() throws Exception {
        TestPki.Issued twoIds = TestPki.leaf(pki.root()).uri(MeshPki.SERVER.uri()).uri(MeshPki.CLIENT.uri()).issue();
        MeshPki.write(certs, pki.bundle(twoIds));

        assertThatThrownBy(() -> CertificateSources.pemFiles(certs))
                .hasMessage("PEM files " + certs + ": the leaf certificate in cert-chain.pem has 2 URI SANs ("
                        + MeshPki.SERVER.uri() + ", " + MeshPki.CLIENT.uri() + "): an X.509-SVID carries exactly one"
                        + " spiffe:// URI SAN");
    }

    @Test
    void otherFileNamesForKubernetesTlsSecrets() throws Exception {
        CertificateBundle b = pki.issue(MeshPki.SERVER);
        Map<String, String> istio = MeshPki.files(b);
        MeshPki.write(certs, Map.of("tls.crt", istio.get("cert-chain.pem"), "tls.key", istio.get("key.pem"),
                "ca.crt", istio.get("root-cert.pem")));

        try (CertificateSource source = CertificateSources.pemFiles(certs, "tls.crt", "tls.key", "ca.crt", FAST)) {
            assertThat(source.current()).isEqualTo(b);
        }
    }
}

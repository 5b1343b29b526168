package io.inmesh.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateBundle;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@link MeshService @MeshService}, {@code mesh.certificates.*} and the SSL bundle, with ApplicationContextRunner. */
class MeshIdentityConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, SslAutoConfiguration.class));

    @TempDir
    Path tmp;

    @Configuration(proxyBeanMethods = false)
    @MeshService(name = "reviews", version = "v2")
    static class Reviews {
    }

    @Configuration(proxyBeanMethods = false)
    @MeshService(name = "${service.name}", version = "${service.version:v1}", namespace = "shop",
            serviceAccount = "reviews-sa")
    static class Placeholders {
    }

    @Configuration(proxyBeanMethods = false)
    @MeshService(name = "ratings")
    static class Ratings {
    }

    @Test
    void theAnnotationGivesLabelsServiceAccountAndNamespace() {
        runner.withUserConfiguration(Reviews.class).run(context -> assertThat(context.getBean(Mesh.class).workload())
                .isEqualTo(new Workload("default", "reviews", Map.of("app", "reviews", "version", "v2"))));
    }

    @Test
    void placeholdersAreResolvedAndExplicitAttributesUsed() {
        runner.withUserConfiguration(Placeholders.class).withPropertyValues("service.name=ratings")
                .run(context -> assertThat(context.getBean(Mesh.class).workload()).isEqualTo(new Workload("shop",
                        "reviews-sa", Map.of("app", "ratings", "version", "v1"))));
    }

    @Test
    void meshPropertiesWinOverTheAnnotation() {
        runner.withUserConfiguration(Reviews.class).withPropertyValues("mesh.service-account=bookinfo-reviews",
                "mesh.namespace=bookinfo", "mesh.labels.version=v3", "mesh.labels.team=books",
                "spring.application.name=ignored").run(context -> assertThat(context.getBean(Mesh.class).workload())
                .isEqualTo(new Workload("bookinfo", "bookinfo-reviews", Map.of("app", "reviews", "version", "v3",
                        "team", "books"))));
    }

    @Test
    void twoAnnotatedBeansFailStartUpNamingThem() {
        runner.withUserConfiguration(Reviews.class, Ratings.class).run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("@MeshService is on several beans")
                .hasMessageContaining("Reviews").hasMessageContaining("Ratings"));
    }

    @Test
    void anUnresolvablePlaceholderFailsNamingTheAttribute() {
        runner.withUserConfiguration(Placeholders.class).run(context -> assertThat(context).getFailure()
                .rootCause().hasMessageContaining("service.name"));
        runner.withUserConfiguration(Placeholders.class).run(context -> assertThat(context).getFailure()
                .hasStackTraceContaining("@MeshService on bean").hasStackTraceContaining(": name"));
    }

    @Test
    void withoutCertificatesThereIsNoTlsAndNoBundle() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CertificateSource.class);
            assertThat(context.getBean(Mesh.class).tls()).isNull();
            assertThat(context.getBean(SslBundles.class).getBundleNames()).doesNotContain("mesh");
        });
    }

    @Test
    void theBuiltInCaIssuesTheWorkloadsCertificateAndTheBundleHoldsIt() {
        runner.withUserConfiguration(Reviews.class).withPropertyValues("mesh.certificates.source=built-in-ca",
                "mesh.certificates.ca-directory=" + tmp.resolve("ca"), "mesh.trust-domain=example.org",
                "mesh.certificates.ttl=2h").run(context -> {
                    Mesh mesh = context.getBean(Mesh.class);
                    assertThat(mesh.tls().identity().toString())
                            .isEqualTo("spiffe://example.org/ns/default/sa/reviews");
                    assertThat(mesh.tls().current().notAfter()).isBefore(java.time.Instant.now().plusSeconds(7300));
                    SslBundle bundle = context.getBean(SslBundles.class).getBundle("mesh");
                    KeyStore keys = bundle.getStores().getKeyStore();
                    assertThat(keys.getCertificate(bundle.getKey().getAlias()))
                            .isEqualTo(mesh.tls().current().leaf());
                    assertThat(keys.getKey(bundle.getKey().getAlias(), bundle.getKey().getPassword().toCharArray()))
                            .isEqualTo(mesh.tls().current().privateKey());
                    KeyStore trust = bundle.getStores().getTrustStore();
                    assertThat(trust.getCertificate(trust.aliases().nextElement()))
                            .isEqualTo(mesh.tls().current().trustAnchors().get(0));
                    assertThat(bundle.getOptions().getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
                });
    }

    @Test
    void theBuiltInCaWithoutADirectoryFailsNamingTheProperty() {
        runner.withPropertyValues("mesh.certificates.source=built-in-ca").run(context -> assertThat(context)
                .getFailure().hasStackTraceContaining("mesh.certificates.ca-directory is required"));
    }

    @Test
    void pemFilesThatAreMissingFailStartUpNamingTheDirectory() {
        runner.withPropertyValues("mesh.certificates.source=pem-files", "mesh.certificates.directory=" + tmp)
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("mesh.certificates.directory " + tmp)
                        .hasStackTraceContaining("cert-chain.pem"));
    }

    @Test
    void anUnknownSourceFailsNamingTheAllowedValues() {
        runner.withPropertyValues("mesh.certificates.source=vault").run(context -> assertThat(context)
                .getFailure().hasStackTraceContaining("mesh.certificates.source"));
    }

    @Test
    void pemFilesOfAnotherTrustDomainFailNamingMeshTrustDomain() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pem"));
        try (CertificateSource other = CertificateSources.builtInCa(tmp.resolve("other-ca"),
                SpiffeId.parse("spiffe://example.org/ns/default/sa/default"))) {
            CertificateBundle b = other.current();
            Files.writeString(dir.resolve("cert-chain.pem"), pem("CERTIFICATE", b.leaf().getEncoded()));
            Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", b.privateKey().getEncoded()));
            Files.writeString(dir.resolve("root-cert.pem"), pem("CERTIFICATE", b.trustAnchors().get(0).getEncoded()));
        }
        runner.withPropertyValues("mesh.certificates.source=pem-files", "mesh.certificates.directory=" + dir)
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("is not in the mesh's trust domain cluster.local (mesh.trust-domain)"));
        runner.withPropertyValues("mesh.certificates.source=pem-files", "mesh.certificates.directory=" + dir,
                "mesh.trust-domain=example.org").run(context -> assertThat(context.getBean(Mesh.class).tls()
                .identity().toString()).isEqualTo("spiffe://example.org/ns/default/sa/default"));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}

package io.inmesh.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import io.inmesh.spring.MeshActuatorAutoConfiguration;
import io.inmesh.spring.MeshAutoConfiguration;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

/** The mesh endpoint and health indicator: conditions, and the health verdicts. */
class MeshActuatorTest {
    private final WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(MeshAutoConfiguration.class, MeshActuatorAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=health,mesh");

    @TempDir
    Path tmp;

    @Test
    void theEndpointAndHealthIndicatorAreThereByDefaultAndBackOffWhenTurnedOff() {
        runner.run(context -> assertThat(context).hasSingleBean(MeshEndpoint.class)
                .hasSingleBean(MeshHealthIndicator.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=health").run(context ->
                assertThat(context).as("not exposed: not there, as Spring Boot's own endpoints")
                        .doesNotHaveBean(MeshEndpoint.class).hasSingleBean(MeshHealthIndicator.class));
        runner.withPropertyValues("management.endpoint.mesh.access=NONE", "management.health.mesh.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshEndpoint.class)
                        .doesNotHaveBean(MeshHealthIndicator.class));
        runner.withPropertyValues("mesh.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(MeshEndpoint.class).doesNotHaveBean(MeshHealthIndicator.class));
    }

    @Test
    void withoutActuatorThereIsNeither() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshEndpoint.class));
    }

    @Test
    void healthIsUpWithAValidCertificateAndDownOnceItHasExpired() throws Exception {
        Workload w = new Workload("default", "reviews", Map.of("app", "reviews"));
        try (CertificateSource certs = CertificateSources.builtInCa(tmp, SpiffeId.of("cluster.local", w));
             Mesh mesh = Mesh.builder().workload(w).certificates(certs).configFiles(List.of()).build()) {
            Health up = new MeshHealthIndicator(mesh).health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("identity", "spiffe://cluster.local/ns/default/sa/reviews")
                    .containsKey("configVersion").containsKey("certificateNotAfter");

            Clock afterExpiry = Clock.fixed(certs.current().notAfter().plusSeconds(1), ZoneOffset.UTC);
            Health down = new MeshHealthIndicator(mesh, afterExpiry).health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) down.getDetails().get("reason")).contains("certificate expired");

            Map<String, Object> report = new MeshEndpoint(mesh, new MockEnvironment(), afterExpiry).mesh();
            @SuppressWarnings("unchecked")
            Map<String, Object> certificate = (Map<String, Object>) report.get("certificate");
            assertThat(certificate).containsEntry("expiresInSeconds", -1L)
                    .containsEntry("spiffeId", "spiffe://cluster.local/ns/default/sa/reviews");
            assertThat(report.toString()).doesNotContain("PRIVATE").doesNotContain("privateKey");
        }
    }
}

package io.inmesh.spring.mtls;

import static io.inmesh.spring.mtls.MeshTestFiles.curl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.spring.mtls.ratings.RatingsApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Tomcat with mesh certificates on a port whose PeerAuthentication is DISABLE at start-up serves plaintext; a later
 * STRICT is enforced per request at once (the transport stays plaintext until a restart).
 */
class TomcatDisableTest {
    @Test
    void aDisablePortServesPlaintextAndALaterStrictRefusesPerRequest() throws Exception {
        Path dir = Files.createTempDirectory("inmesh-disable");
        Path config = Files.createDirectories(dir.resolve("mesh"));
        MeshTestFiles.write(config, "peer-authentication.yaml",
                MeshTestFiles.peerAuthentication("default", null, "DISABLE"));
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(RatingsApplication.class)
                .properties("server.port=0", "server.address=127.0.0.1", "mesh.config.locations=" + config,
                        "mesh.certificates.source=built-in-ca", "mesh.certificates.ca-directory=" + dir.resolve("ca"),
                        MeshTestFiles.EXCLUDE, "management.otlp.metrics.export.enabled=false")
                .run()) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            assertThat(curl("-s", "http://127.0.0.1:" + port + "/health").out()).isEqualTo("ok");
            MeshTestFiles.write(config, "peer-authentication.yaml",
                    MeshTestFiles.peerAuthentication("default", null, "STRICT"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(curl("-s", "-o", "/dev/null",
                    "-w", "%{http_code}", "http://127.0.0.1:" + port + "/health").out()).isEqualTo("403"));
        }
    }
}

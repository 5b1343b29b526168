package io.inmesh.spring.mtls;

import static io.inmesh.spring.mtls.MeshTestFiles.curl;
import static io.inmesh.spring.mtls.MeshTestFiles.serverUriSan;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.spring.mtls.own.OwnMeshApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The application's own Mesh bean with certificates: the starter backs off from the mesh and serves its TLS. */
class OwnMeshBeanTest {
    @Test
    void tomcatServesTheMeshTlsOfTheApplicationsOwnMesh() throws Exception {
        Path ca = Files.createTempDirectory("inmesh-own-mesh");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(OwnMeshApplication.class)
                .properties("server.port=0", "server.address=127.0.0.1", "test.ca-directory=" + ca,
                        MeshTestFiles.EXCLUDE, "management.otlp.metrics.export.enabled=false")
                .run()) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            assertThat(serverUriSan(port)).contains("URI:spiffe://cluster.local/ns/default/sa/own");
            assertThat(curl("-sk", "https://127.0.0.1:" + port + "/hello").out()).isEqualTo("hello");
        }
    }
}

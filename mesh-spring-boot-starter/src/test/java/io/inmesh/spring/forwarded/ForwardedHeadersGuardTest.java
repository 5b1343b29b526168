package io.inmesh.spring.forwarded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.spring.web.WebTestApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * On Kubernetes, Spring Boot trusts X-Forwarded-For from any pod address by default; with the mesh on, the client's
 * address stays the connection's peer, so an AuthorizationPolicy's ipBlocks cannot be chosen by the caller.
 */
class ForwardedHeadersGuardTest {
    private static final String POLICY = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: only-pods, namespace: default}
            spec:
              action: DENY
              rules:
              - from: [{source: {notIpBlocks: ["10.0.0.0/8"]}}]
                to: [{operation: {paths: ["/hello"]}}]
            """;

    @Test
    void onKubernetesAForwardedForHeaderDoesNotChangeTheSourceAddress(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), POLICY);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WebTestApplication.class)
                .properties("server.port=0", "spring.main.cloud-platform=kubernetes",
                        "mesh.config.locations=" + dir, "management.otlp.metrics.export.enabled=false")
                .run()) {
            assertThat(context.getEnvironment().getProperty("server.forward-headers-strategy"))
                    .as("unset, Spring Boot would trust forwarded headers on Kubernetes").isEqualTo("none");
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
            for (String xff : new String[] {null, "10.9.9.9"}) {
                Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + "/hello");
                if (xff != null) {
                    b.header("X-Forwarded-For", xff);
                }
                try (Response r = client.newCall(b.build()).execute()) {
                    assertThat(r.code()).as("X-Forwarded-For: %s", xff).isEqualTo(403);
                }
            }
        }
    }

    @Test
    void forwardedHeadersSetExplicitlyNeedTheMeshsConsent() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(WebTestApplication.class)
                .properties("server.port=0", "server.forward-headers-strategy=native").run().close())
                .isInstanceOf(io.inmesh.spring.internal.MeshStartupException.class)
                .hasMessageContaining("server.forward-headers-strategy=native")
                .satisfies(e -> assertThat(((io.inmesh.spring.internal.MeshStartupException) e).action())
                        .contains("mesh.trust-forwarded-headers=true"));
        new SpringApplicationBuilder(WebTestApplication.class).properties("server.port=0",
                "server.forward-headers-strategy=native", "mesh.trust-forwarded-headers=true",
                "management.otlp.metrics.export.enabled=false").run().close();
    }
}

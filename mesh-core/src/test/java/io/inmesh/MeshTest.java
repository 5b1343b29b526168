package io.inmesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.InvalidConfigException;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.SimpleRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshTest {
    private static String vs(String subset) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: %s}}]
                """.formatted(subset);
    }

    private static void write(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aWatchedFileReroutesOnChangeAndKeepsTheLastGoodConfigOnABadOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mesh.yaml");
        write(file, vs("v1"));
        try (Mesh mesh = Mesh.builder().workload(Workload.of("default", Map.of("app", "productpage")))
                .config(ConfigSources.file(file)).build()) {
            var request = SimpleRequest.of("GET", "http://reviews:9080/");
            assertThat(mesh.route(request).destinations().get(0).subset()).isEqualTo("v1");
            write(file, vs("v2"));
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> "v2".equals(mesh.route(request).destinations().get(0).subset()));
            write(file, vs("v3").replace("route:", "rout:"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> mesh.config().lastRejection().isPresent());
            assertThat(mesh.route(request).destinations().get(0).subset()).as("last good config").isEqualTo("v2");
            assertThat(mesh.workload().labels()).containsEntry("app", "productpage");
        }
    }

    @Test
    void anInvalidInitialConfigFailsTheBuildWithItsDiagnostics() {
        assertThatThrownBy(() -> Mesh.builder().workload(Workload.of("default"))
                .configFiles(List.of(new ConfigFile("bad.yaml", vs("v1").replace("hosts", "hostz")
                        .getBytes(StandardCharsets.UTF_8)))).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("bad.yaml")
                .hasMessageContaining("hostz");
    }

    @Test
    void theBuilderNamesWhatIsMissing() {
        assertThatThrownBy(() -> Mesh.builder().configFiles(List.of()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("workload");
        assertThatThrownBy(() -> Mesh.builder().workload(Workload.of("default")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of");
    }

    @Test
    void anEmptyConfigPassesEverythingThrough() throws Exception {
        try (Mesh mesh = Mesh.builder().workload(Workload.of("default")).configFiles(List.of()).build()) {
            assertThat(mesh.route(SimpleRequest.of("GET", "http://example.org/")).status())
                    .isEqualTo(RouteStatus.PASSTHROUGH);
        }
    }
}

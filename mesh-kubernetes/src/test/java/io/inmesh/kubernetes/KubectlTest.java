package io.inmesh.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's view: {@code kubectl} applies a ConfigMap to the (mock) API server, and the mesh follows. */
class KubectlTest {
    @TempDir
    Path dir;

    static Optional<Path> kubectl() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "kubectl");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    String run(Path kubectl, Path kubeconfig, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done && p.exitValue() == 0).as("kubectl %s: %s", String.join(" ", args), out).isTrue();
        return out;
    }

    static String manifest(String subset) {
        StringBuilder b = new StringBuilder("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: mesh-config
                  namespace: default
                data:
                  reviews.yaml: |
                """);
        for (String line : ConfigMapConfigSourceTest.routeTo(subset).split("\n")) {
            b.append("    ").append(line).append('\n');
        }
        return b.toString();
    }

    @Test
    void aConfigMapAppliedWithKubectlReachesTheMesh() throws Exception {
        Optional<Path> kubectl = kubectl();
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on PATH (Debian package kubernetes-client);"
                + " .ci/run installs it, so CI runs this test");
        try (MockApi api = new MockApi()) {
            String server = api.client.getMasterUrl().toString().replaceAll("/$", "");
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "%s"}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: test, namespace: default}
                    current-context: mock
                    users:
                    - name: test
                      user: {token: not-a-secret}
                    """.formatted(server));
            Path file = Files.writeString(dir.resolve("mesh-config.yaml"), manifest("v1"));
            assertThat(run(kubectl.get(), kubeconfig, "apply", "--validate=false", "-f", file.toString()))
                    .contains("configmap/mesh-config created");

            try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                    .config(ConfigMapConfigSource.named(api.client, "default", "mesh-config")).build()) {
                assertThat(ConfigMapConfigSourceTest.subsetOf(mesh)).isEqualTo("v1");
                Files.writeString(file, manifest("v2"));
                // kubectl apply's update is a strategic merge patch, which the mock server does not speak; replace
                // sends the whole object
                run(kubectl.get(), kubeconfig, "replace", "--validate=false", "-f", file.toString());
                await().until(() -> "v2".equals(ConfigMapConfigSourceTest.subsetOf(mesh)));
                assertThat(api.client.configMaps().inNamespace("default").withName("mesh-config").get().getData())
                        .containsOnlyKeys("reviews.yaml");
            }
        }
    }
}

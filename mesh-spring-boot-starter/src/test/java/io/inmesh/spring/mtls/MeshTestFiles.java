package io.inmesh.spring.mtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the mutual-TLS application tests share: mesh YAML in a watched directory, and outside clients (curl, openssl). */
public final class MeshTestFiles {
    /** Spring Boot's own tracing and observation are not what these tests are about. */
    static final String EXCLUDE = io.inmesh.spring.WithoutSpringTracing.EXCLUDE;

    private MeshTestFiles() {
    }

    /** Replaces {@code dir/name} atomically, as an editor or kubelet would. */
    static void write(Path dir, String name, String yaml) throws IOException {
        Path tmp = dir.resolveSibling(name + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A ServiceEntry for {@code name.default.svc.cluster.local} port 9080 with one loopback endpoint on {@code port}
     * (labels app=name, version=v1, service account {@code name}), and a DestinationRule asking for mesh mTLS.
     */
    static String meshService(String name, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s, namespace: default}
                spec:
                  hosts: [%1$s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %2$d}, labels: {app: %1$s, version: v1},
                     serviceAccount: %1$s}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s, namespace: default}
                spec:
                  host: %1$s.default.svc.cluster.local
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
                """.formatted(name, port);
    }

    /** A PeerAuthentication {@code name} in namespace default, for the workloads labelled app=app (all when null). */
    static String peerAuthentication(String name, String app, String mode) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: %s, namespace: default}
                spec:
                %s  mtls: {mode: %s}
                """.formatted(name, app == null ? "" : "  selector: {matchLabels: {app: " + app + "}}\n", mode);
    }

    public record Result(int exit, String out) {
    }

    public static Result curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--max-time", "10"));
        command.addAll(List.of(args));
        return run(command, null);
    }

    static Result run(List<String> command, String input) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    /** The URI SAN of the leaf certificate {@code openssl s_client} gets from 127.0.0.1:{@code port}. */
    static String serverUriSan(int port) throws Exception {
        Result r = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port), "Q\n");
        return run(List.of("openssl", "x509", "-noout", "-ext", "subjectAltName"), r.out()).out();
    }
}

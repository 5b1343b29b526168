package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile or unusual input that once exhausted memory or was misreported by mesh-core. */
class CoreRobustnessIT {

    @TempDir
    Path dir;

    /** 1 MB string behind an anchor, 1000 aliases: 1001 nodes (under the node limit), 1 GB of text in Canonical.of. */
    @Test
    void aliasesToALongStringDoNotRunOutOfMemory() throws Exception {
        Files.writeString(dir.resolve("s.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: s
                spec:
                  hosts: &h ["BIG"]
                  gateways: [ALIASES]
                """.replace("BIG", "x".repeat(1 << 20))
                .replace("ALIASES", String.join(",", Collections.nCopies(1000, "*h"))));

        MeshProcess.Run run = MeshProcess.run(dir, "validate", "s.yaml");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        run.assertNoStackTrace();
    }

    /** 1.3 million one-scalar documents, 7.8 MB (under the 8 MiB limit): one diagnostic each, no cap, OOM. */
    @Test
    void manyDocumentsDoNotRunOutOfMemory() throws Exception {
        Files.writeString(dir.resolve("d.yaml"), "--- 1\n".repeat(1_300_000));

        MeshProcess.Run run = MeshProcess.run(dir, "validate", "d.yaml");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        run.assertNoStackTrace();
    }

    /** An empty document between two separators (kubectl, Helm and kustomize output has them) is skipped. */
    @Test
    void emptyDocumentsAreSkipped() throws Exception {
        Files.writeString(dir.resolve("e.yaml"), """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: a
                spec:
                  hosts: [a]
                  http:
                  - route:
                    - destination: {host: a}
                ---
                ---
                """);

        MeshProcess.Run run = MeshProcess.run(dir, "validate", "e.yaml");

        assertThat(run.exitCode()).as("%s", run).isZero();
    }

    /** An unknown field is reported at its key (12:5), as top-level unknown fields are, not at its value (13:7). */
    @Test
    void unknownFieldIsReportedAtItsKey() throws Exception {
        Files.writeString(dir.resolve("vs.yaml"), ValidateIT.unknownFieldFile());

        MeshProcess.Run run = MeshProcess.run(dir, "validate", "vs.yaml");

        assertThat(run.stdout()).startsWith("vs.yaml:12:5: error: VirtualService default/ratings: spec.http[0].retires:");
    }
}

package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile files end quickly (each run is bounded to 60 s and 256 MB of heap) with exit 1 and one line naming the
 * reason, never a stack trace or out-of-memory.
 */
class HostileInputIT {

    @TempDir
    Path dir;

    @Test
    void billionLaughs() throws Exception {
        StringBuilder b = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 9; i++) {
            b.append('a').append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, "*a" + (i - 1)))).append("]\n");
        }
        Files.writeString(dir.resolve("bomb.yaml"), b);

        assertRejectedWithOneLine("bomb.yaml", "aliases expand to more than 1000000 nodes");
    }

    @Test
    void twentyMegabytesOfGarbage() throws Exception {
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(dir.resolve("garbage.yaml"))) {
            for (int i = 0; i < 20; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }

        assertRejectedWithOneLine("garbage.yaml", "file is larger than the limit");
    }

    @Test
    void sevenMegabytesOfGarbageUnderTheSizeLimit() throws Exception {
        byte[] bytes = new byte[7 << 20];
        new Random(7).nextBytes(bytes);
        bytes[0] = (byte) 0xFF; // never valid in UTF-8, whatever the seed gives
        Files.write(dir.resolve("garbage.yaml"), bytes);

        assertRejectedWithOneLine("garbage.yaml", "not valid UTF-8");
    }

    @Test
    void deeplyNestedFlowSequences() throws Exception {
        Files.writeString(dir.resolve("deep.yaml"), "[".repeat(20_000) + "]".repeat(20_000) + "\n");

        assertRejectedWithOneLine("deep.yaml", "nesting deeper than 100 levels");
    }

    @Test
    void deeplyNestedFlowMappings() throws Exception {
        Files.writeString(dir.resolve("deep.yaml"), "{a: ".repeat(20_000) + "}".repeat(20_000) + "\n");

        assertRejectedWithOneLine("deep.yaml", "nesting deeper than 100 levels");
    }

    @Test
    void deeplyNestedBlockSequences() throws Exception {
        Files.writeString(dir.resolve("deep.yaml"), "- ".repeat(20_000) + "x\n");

        assertRejectedWithOneLine("deep.yaml", "nesting deeper than 100 levels");
    }

    /**
     * {@code a:\n a:\n  a:} with one more space of indentation per level. 20000 levels would need 200 MB of
     * indentation (and be refused for its size alone), so this uses 2000 levels, 2 MB, far past the depth limit.
     */
    @Test
    void deeplyNestedBlockMappings() throws Exception {
        try (Writer w = Files.newBufferedWriter(dir.resolve("deep.yaml"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < 2000; i++) {
                w.write(" ".repeat(i));
                w.write("a:\n");
            }
            w.write(" ".repeat(2000) + "b\n");
        }

        assertRejectedWithOneLine("deep.yaml", "nesting deeper than 100 levels");
    }

    @Test
    void invalidUtf8() throws Exception {
        byte[] head = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name:")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 4);
        bytes[head.length] = ' ';
        bytes[head.length + 1] = (byte) 0xC3; // a two-byte lead followed by an ASCII byte
        bytes[head.length + 2] = '(';
        bytes[head.length + 3] = '\n';
        Files.write(dir.resolve("bad.yaml"), bytes);

        MeshProcess.Run run = assertRejectedWithOneLine("bad.yaml", "not valid UTF-8");
        assertThat(run.stdout()).startsWith("bad.yaml:4:9: error:");
    }

    /** The tags of known SnakeYAML gadget chains are refused, and nothing is constructed: no connection is made. */
    @Test
    void javaTypeTagsAreRefusedAndNothingIsConstructed() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "http://127.0.0.1:" + listener.getLocalPort() + "/";
            Files.writeString(dir.resolve("tags.yaml"), """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata:
                      name: evil
                    spec:
                      hosts: [!!java.net.URL ["URL"]]
                      gateways:
                      - !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["URL"]]]]
                    """.replace("URL\"", url + "\""));

            MeshProcess.Run run = MeshProcess.run(dir, "validate", "tags.yaml");

            assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
            run.assertNoStackTrace();
            assertThat(run.stdoutLines())
                    .anySatisfy(l -> assertThat(l).startsWith("tags.yaml:6:")
                            .contains("YAML tag '!!java.net.URL' is not allowed"))
                    .anySatisfy(l -> assertThat(l).startsWith("tags.yaml:8:")
                            .contains("YAML tag '!!javax.script.ScriptEngineManager' is not allowed"))
                    .allSatisfy(l -> assertThat(l).startsWith("tags.yaml:").contains(": error: "));
            listener.setSoTimeout(200);
            assertThatThrownBy(listener::accept).as("nobody connected to %s", url)
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    private MeshProcess.Run assertRejectedWithOneLine(String file, String reason)
            throws IOException, InterruptedException {
        MeshProcess.Run run = MeshProcess.run(dir, "validate", file);

        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        run.assertNoStackTrace();
        assertThat(run.stdoutLines()).as("%s", run).singleElement().asString()
                .startsWith(file + ":")
                .contains(": error: ", reason);
        assertThat(run.stderrLines()).containsExactly("1 error, 0 warnings in 1 file");

        MeshProcess.Run json = MeshProcess.run(dir, "validate", "--json", file);
        assertThat(json.exitCode()).as("%s", json).isEqualTo(1);
        json.assertNoStackTrace();
        assertThat(json.stdoutLines()).hasSize(1);
        assertThat(json.stdout()).contains("\"valid\":false", reason);
        return run;
    }
}

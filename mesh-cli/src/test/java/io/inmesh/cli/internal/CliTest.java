package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Cli cli;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noArgumentsIsUsageOnStderr() {
        assertThat(cli.run()).isEqualTo(ExitCode.USAGE);
        assertThat(out()).isEmpty();
        assertThat(err()).startsWith("Usage: mesh COMMAND");
    }

    @Test
    void helpForms() {
        assertThat(cli.run("--help")).isZero();
        assertThat(cli.run("-h")).isZero();
        assertThat(cli.run("help")).isZero();
        assertThat(cli.run("help", "validate")).isZero();
        assertThat(out()).contains("Usage: mesh validate");
        assertThat(err()).isEmpty();
    }

    @Test
    void everyCommandHasItsHelp() {
        for (String command : new String[] {"validate", "explain", "authorize", "ca"}) {
            assertThat(cli.run("help", command)).isZero();
            assertThat(out()).contains("Usage: mesh " + command);
        }
    }

    @Test
    void optionBeforeCommandIsExplained() {
        assertThat(cli.run("--json", "validate", "x.yaml")).isEqualTo(ExitCode.USAGE);
        assertThat(err()).startsWith("mesh: unknown option '--json' (options go after the command");
    }

    @Test
    void summaryCountsAndPlurals() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "just a string\n");
        Files.writeString(dir.resolve("b.yaml"), "");

        assertThat(cli.run("validate", dir.resolve("a.yaml").toString(), dir.resolve("b.yaml").toString()))
                .isEqualTo(ExitCode.INVALID);
        assertThat(out()).startsWith(dir.resolve("a.yaml") + ":1:1: error: expected a Kubernetes resource");
        assertThat(err()).isEqualTo("1 error, 0 warnings in 2 files\n");
    }

    @Test
    void emptyDirectoryIsValidWithANote() throws Exception {
        Files.createDirectory(dir.resolve("empty"));

        assertThat(cli.run("validate", dir.resolve("empty").toString())).isZero();
        assertThat(err()).contains("note: no *.yaml or *.yml files under").endsWith("0 errors, 0 warnings in 0 files\n");
    }

    @Test
    void controlCharactersFromAFileAreEscapedInHumanOutput() throws Exception {
        Files.writeString(dir.resolve("c.yaml"), "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                + "metadata: {name: x}\nspec: {hosts: [x]}\n\"\\e[2J\": 1\n");

        cli.run("validate", dir.resolve("c.yaml").toString());

        assertThat(out()).doesNotContain("\u001b").contains("\\u001b[2J");
    }

    @Test
    void ioReasonsReadLikeTheShell() {
        assertThat(ConfigPaths.describe(new NoSuchFileException("x"))).isEqualTo("no such file or directory");
        assertThat(ConfigPaths.describe(new AccessDeniedException("x"))).isEqualTo("permission denied");
    }

    @Test
    void printableCutsLongArguments() {
        assertThat(Cli.printable("x".repeat(80))).isEqualTo("x".repeat(80));
        assertThat(Cli.printable("x".repeat(81))).isEqualTo("x".repeat(77) + "...");
    }
}

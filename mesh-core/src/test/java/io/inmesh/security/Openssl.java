package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the {@code openssl} command line tool; tests that need it are skipped, saying why, where it is missing. */
public final class Openssl {
    private static final long TIMEOUT_SECONDS = 30;

    /** What a run printed, and its exit code. */
    public record Run(int exitCode, String stdout, String stderr) {
        public Run assertOk() {
            assertThat(exitCode).as("openssl exit code%n--- stdout%n%s%n--- stderr%n%s", stdout, stderr).isZero();
            return this;
        }

        public String output() {
            return stdout + stderr;
        }
    }

    private Openssl() {
    }

    /** Skips the calling test when no {@code openssl} is on the PATH. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(find() != null, "openssl is not on the PATH: install it (the CI does) to run the tests"
                + " that check certificates and handshakes with it");
    }

    private static String find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            for (String name : List.of("openssl", "openssl.exe")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** Runs {@code openssl ARGS} with {@code stdin} (may be empty) and waits for it. */
    public static Run runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        assumeAvailable();
        List<String> command = new ArrayList<>();
        command.add(find());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // it ended before reading its input (s_client refused at once): what it printed tells
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS
                    + " s");
        }
        return new Run(p.exitValue(), out.join(), err.join());
    }

    public static Run run(String... args) throws IOException, InterruptedException {
        return runWithInput("", args);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        });
    }
}

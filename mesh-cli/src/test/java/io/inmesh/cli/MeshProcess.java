package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the shaded {@code mesh.jar} as a real subprocess: {@code java -Xmx256m -jar mesh.jar ARGS}. */
final class MeshProcess {

    static final long TIMEOUT_SECONDS = 60;

    /** What one run left behind. */
    record Run(int exitCode, String stdout, String stderr) {

        List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : stdout.lines().toList();
        }

        List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : stderr.lines().toList();
        }

        /** Neither stream shows an exception name or a stack frame: user mistakes get a sentence, not a trace. */
        Run assertNoStackTrace() {
            for (String s : List.of(stdout, stderr)) {
                assertThat(s.lines())
                        .as("no stack trace expected in output:%n%s", abbreviate(s))
                        .noneMatch(l -> l.contains("Exception") || l.matches(".*[a-z]Error\\b.*")
                                || l.startsWith("\tat "));
            }
            return this;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + abbreviate(stdout) + "\n--- stderr\n" + abbreviate(stderr);
        }

        private static String abbreviate(String s) {
            return s.length() <= 4000 ? s : s.substring(0, 4000) + "... (" + s.length() + " chars)";
        }
    }

    private MeshProcess() {
    }

    static Path jar() {
        String jar = System.getProperty("mesh.jar");
        assertThat(jar).as("system property mesh.jar (set by failsafe)").isNotNull();
        Path p = Path.of(jar);
        assertThat(p).as("the shaded jar; run 'mvn verify'").isRegularFile();
        return p;
    }

    /** Runs {@code mesh ARGS} in {@code workDir}, capturing both streams to files (no pipe can fill up). */
    static Run run(Path workDir, String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-jar", jar().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        long start = System.nanoTime();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("mesh %s did not end within %d s", String.join(" ", args), TIMEOUT_SECONDS);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        System.out.printf("mesh %s -> exit %d in %d ms%n", abbreviateArgs(args), run.exitCode(), millis);
        return run;
    }

    private static String abbreviateArgs(String[] args) {
        String s = String.join(" ", args);
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}

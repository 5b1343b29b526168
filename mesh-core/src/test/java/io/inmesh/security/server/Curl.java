package io.inmesh.security.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the {@code curl} command line tool as an outside client; tests that need it are skipped, saying why, where it
 * is missing. Every run is {@code curl -sS -i --http1.1 --max-time 10 ARGS}, and the answer is parsed from the
 * {@code -i} output.
 */
final class Curl {
    /** curl: the server closed the connection without sending anything. */
    static final int EMPTY_REPLY = 52;
    /** curl: receiving failed (a reset, or a TLS alert after the handshake). */
    static final int RECV_ERROR = 56;
    /** curl: the TLS handshake failed. */
    static final int SSL_CONNECT_ERROR = 35;
    /** curl: the server's public key is not the one given to {@code --pinnedpubkey}. */
    static final int PINNED_KEY_MISMATCH = 90;
    private static final long TIMEOUT_SECONDS = 20;

    private Curl() {
    }

    /**
     * What a run printed. {@code status} is -1 when no HTTP answer came; header names are lower case.
     */
    record Result(int exitCode, int status, Map<String, String> headers, String body, String stderr) {
        boolean answered() {
            return status > 0;
        }

        String describe() {
            return "curl exit " + exitCode + ", status " + status + "\n--- headers\n" + headers + "\n--- body\n"
                    + body + "\n--- stderr\n" + stderr;
        }
    }

    /** Skips the calling test when no {@code curl} is on the PATH. */
    static void assumeAvailable() {
        Assumptions.assumeTrue(find() != null, "curl is not on the PATH: install it (the CI does) to run the tests"
                + " that talk to a mesh server with curl");
    }

    private static String find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            for (String name : List.of("curl", "curl.exe")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    static Result run(String... args) throws IOException, InterruptedException {
        assumeAvailable();
        List<String> command = new ArrayList<>(List.of(find(), "-sS", "-i", "--http1.1", "--max-time", "10"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return parse(p.exitValue(), out.join(), err.join());
    }

    private static File nullFile() {
        return new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    private static Result parse(int exitCode, String out, String err) {
        int end = out.indexOf("\r\n\r\n");
        if (!out.startsWith("HTTP/") || end < 0) {
            return new Result(exitCode, -1, Map.of(), out, err);
        }
        String[] lines = out.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return new Result(exitCode, status, headers, out.substring(end + 4), err);
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

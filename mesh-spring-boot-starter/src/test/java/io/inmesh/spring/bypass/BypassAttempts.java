package io.inmesh.spring.bypass;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.spring.mtls.MeshTestFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Attempts to step around a DENY policy of the servlet or reactive filter from outside, with curl sending the raw
 * request line ({@code --path-as-is}): encodings of the denied path, path parameters, dot segments, repeated and
 * encoded slashes, backslashes, overlong UTF-8, case changes; a denied header value sent twice; an oversized header.
 * Each one must be refused by the server (the container's 400 or the mesh's 400/403) or land on no handler (404):
 * the application's handler for the denied path never runs.
 */
abstract class BypassAttempts {
    /** Raw request targets that a naive check would not see as {@code /denied}, but a lenient server might serve. */
    static final List<String> PATHS = List.of(
            "/denied", "//denied", "///denied", "/./denied", "/x/../denied", "/x/./../denied", "/%2e/denied",
            "/%2e%2e/denied", "/x/%2e%2e/denied", "/x/%2E%2E/denied", "/denied;x=1", "/denied;", "/x/..;/denied",
            "/%64enied", "/%64%65%6e%69%65%64", "/denied/.", "/x/..%2fdenied", "/x%2F..%2Fdenied", "/denied%2F",
            "/x/..%5cdenied", "/x\\..\\denied", "/%5cdenied", "/%c0%afdenied", "/x/%c0%ae%c0%ae/denied",
            "/%252e%252e/denied", "/denied%00", "/denied%", "/DENIED", "/Denied", "/denied?x=/hello",
            "/denied#x", "/hello/../denied", "/hello/..;/denied");

    abstract int port();

    /** What the application's handlers saw (label to trace id), cleared before each attempt. */
    abstract Map<String, String> seen();

    /** The HTTP status curl got with {@code args} (curl prints only that; the body is dropped). */
    static int status(String... args) throws Exception {
        java.util.List<String> all = new ArrayList<>(List.of("-s", "-o", "/dev/null", "-w", "%{http_code}"));
        all.addAll(List.of(args));
        return Integer.parseInt(MeshTestFiles.curl(all.toArray(String[]::new)).out().strip());
    }

    @Test
    void noEncodingOfADeniedPathReachesItsHandler() throws Exception {
        assumeCurl();
        List<String> report = new ArrayList<>();
        for (String path : PATHS) {
            seen().clear();
            int status = status("--path-as-is", "http://127.0.0.1:" + port() + path);
            report.add(path + " -> " + status);
            assertThat(seen()).as("the handler of /denied never runs for %s (answered %s)", path, status)
                    .doesNotContainKey("/denied");
            assertThat(status).as("%s", path).isIn(400, 403, 404);
        }
        System.out.println("BYPASS " + getClass().getSimpleName() + " paths: " + report);
        // the control: the plain path is the mesh's refusal, not a missing handler
        assertThat(status("http://127.0.0.1:" + port() + "/denied")).isEqualTo(403);
    }

    @Test
    void aDeniedHeaderValueSentTwiceOrFoldedIsRefused() throws Exception {
        assumeCurl();
        for (List<String> headers : List.of(List.of("x-block: yes"), List.of("x-block: no", "x-block: yes"),
                List.of("x-block: yes", "x-block: no"), List.of("X-Block: yes"), List.of("x-block: no", "X-BLOCK: yes"))) {
            seen().clear();
            List<String> args = new ArrayList<>();
            headers.forEach(h -> args.addAll(List.of("-H", h)));
            args.add("http://127.0.0.1:" + port() + "/hello");
            int status = status(args.toArray(String[]::new));
            assertThat(status).as("%s", headers).isEqualTo(403);
            assertThat(seen()).as("the application never saw %s", headers).doesNotContainKey("/hello");
        }
        seen().clear();
        int allowed = status("-H", "x-block: no", "http://127.0.0.1:" + port() + "/hello");
        assertThat(allowed).as("the control: another value passes").isEqualTo(200);
    }

    /**
     * A denied value on a continuation line (obs-fold, RFC 9112 section 5.2): the server refuses it (400), or unfolds
     * it into one value that the mesh and the application both see; never a value the mesh did not check.
     */
    @Test
    void aDeniedHeaderValueOnAFoldedLineIsRefusedOrSeenAlikeByTheMeshAndTheApplication() throws Exception {
        for (String fold : List.of("x-block: no\r\n yes\r\n", "x-block: no\r\n\tyes\r\n", "x-block:\r\n yes\r\n")) {
            seen().clear();
            String status;
            try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fold
                        + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.US_ASCII);
                status = answer.isEmpty() ? "closed" : answer.substring(9, 12);
            }
            String what = fold.replace("\r\n", "\\r\\n").replace("\t", "\\t");
            if (status.equals("200")) {
                String applicationSaw = seen().get("x-block");
                assertThat(applicationSaw).as("%s: the application saw one unfolded value", what).isNotNull()
                        .isNotEqualTo("yes").doesNotContain("|");
            } else {
                assertThat(status).as("%s", what).isIn("400", "403", "closed");
                assertThat(seen()).as("%s", what).doesNotContainKey("/hello");
            }
            System.out.println("BYPASS " + getClass().getSimpleName() + " folded " + what + " -> " + status
                    + (status.equals("200") ? " (application saw \"" + seen().get("x-block") + "\")" : ""));
        }
    }

    @Test
    void anOversizedHeaderNeverReachesTheApplication() throws Exception {
        assumeCurl();
        seen().clear();
        String big = "x-filler: " + "a".repeat(64 * 1024);
        int status = status("-H", big, "-H", "x-block: yes", "http://127.0.0.1:" + port() + "/hello");
        assertThat(status).as("refused by the server (431 or 400), never served").isIn(400, 403, 431, 413);
        assertThat(seen()).doesNotContainKey("/hello");
    }

    static void assumeCurl() {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, "curl")));
        Assumptions.assumeTrue(found, "curl is not on the PATH (the CI installs it)");
    }
}

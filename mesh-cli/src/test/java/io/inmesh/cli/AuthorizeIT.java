package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code mesh authorize}, run as a real process on the shaded jar, over istio.io's Bookinfo authorization task. */
class AuthorizeIT {

    /** The end state of istio.io's "Authorization on HTTP traffic" task, with mesh-wide STRICT mTLS. */
    static final String BOOKINFO_AUTHZ = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: allow-nothing
              namespace: default
            spec: {}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: productpage-viewer
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: productpage
              action: ALLOW
              rules:
              - to:
                - operation:
                    methods: ["GET"]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: details-viewer
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: details
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/bookinfo-productpage"]
                to:
                - operation:
                    methods: ["GET"]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: deny-admin
              namespace: istio-system
            spec:
              action: DENY
              rules:
              - to:
                - operation:
                    paths: ["/admin*"]
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: default
              namespace: istio-system
            spec:
              mtls:
                mode: STRICT
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: productpage-v1
              namespace: default
            """;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private void config() throws Exception {
        Files.createDirectories(dir.resolve("bookinfo"));
        Files.writeString(dir.resolve("bookinfo/authz.yaml"), BOOKINFO_AUTHZ);
    }

    @Test
    void jsonAllowsProductpageToReadDetails() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "authorize", "--config", "bookinfo", "--namespace", "default",
                "--workload-labels", "app=details,version=v1", "--port", "9080",
                "--principal", "cluster.local/ns/default/sa/bookinfo-productpage", "--json", "GET", "/details/0");

        assertThat(run.exitCode()).as("%s", run).isZero();
        run.assertNoStackTrace();
        assertThat(run.stderr()).as("no log lines, no warnings").isEmpty();
        assertThat(run.stdoutLines()).hasSize(1);
        JsonNode root = MAPPER.readTree(run.stdout());
        assertThat(root.propertyNames()).startsWith("decision", "policy", "action");
        assertThat(root.get("decision").stringValue()).isEqualTo("ALLOW");
        assertThat(root.get("policy").stringValue()).isEqualTo("default/details-viewer");
        assertThat(root.get("action").stringValue()).isEqualTo("ALLOW");
        assertThat(root.get("mtlsMode").stringValue()).isEqualTo("STRICT");
    }

    @Test
    void jsonDeniesAnotherCallerWithExitFour() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "authorize", "--config", "bookinfo/authz.yaml",
                "--workload-labels", "app=details", "--principal", "cluster.local/ns/default/sa/sleep", "--json",
                "GET", "/details/0");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(4);
        JsonNode root = MAPPER.readTree(run.stdout());
        assertThat(root.get("decision").stringValue()).isEqualTo("DENY");
        assertThat(root.get("policy").isNull()).isTrue();
        assertThat(root.get("httpStatus").intValue()).isEqualTo(403);
    }

    @Test
    void textShowsTheMeshWideDenyForAPathSpelling() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "authorize", "--config", "bookinfo", "--workload-labels",
                "app=productpage", "GET", "/static/..;/%61dmin");

        assertThat(run.exitCode()).as("%s", run).isEqualTo(4);
        assertThat(run.stderr()).isEmpty();
        assertThat(run.stdoutLines()).contains(
                "Decision:  DENY (403)",
                "Policy:    istio-system/deny-admin (DENY)",
                "Path:      /admin",
                "mTLS:      STRICT on port 80 (mesh policy istio-system/default)",
                "Note:      the path is matched as /admin");
    }

    @Test
    void invalidConfigExitsOneAndBadArgumentsExitTwo() throws Exception {
        config();
        Files.writeString(dir.resolve("bad.yaml"), BOOKINFO_AUTHZ.replaceFirst("action: ALLOW", "action: PERMIT"));

        MeshProcess.Run invalid = MeshProcess.run(dir, "authorize", "--config", "bad.yaml", "GET", "/");
        MeshProcess.Run badPath = MeshProcess.run(dir, "authorize", "--config", "bookinfo", "GET", "details");

        assertThat(invalid.exitCode()).as("%s", invalid).isEqualTo(1);
        invalid.assertNoStackTrace();
        assertThat(invalid.stdout()).contains("bad.yaml:", ": error: AuthorizationPolicy default/productpage-viewer");
        assertThat(badPath.exitCode()).as("%s", badPath).isEqualTo(2);
        badPath.assertNoStackTrace();
        assertThat(badPath.stdout()).isEmpty();
        assertThat(badPath.stderrLines()).containsExactly(
                "mesh authorize: bad PATH 'details': expected a request path starting with '/', as sent"
                        + " (percent-encoded), such as /api/v1/items?page=2",
                "Run 'mesh authorize --help' for usage.");
    }
}

package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code mesh authorize} through {@link Cli#run}, on YAML written to a temporary directory. */
class AuthorizeCommandTest {

    /** istio.io's "Explicit deny" task for httpbin in foo, with mesh-wide STRICT mTLS and a port exception. */
    static final String HTTPBIN = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: deny-method-get
              namespace: foo
            spec:
              selector:
                matchLabels:
                  app: httpbin
              action: DENY
              rules:
              - to:
                - operation:
                    methods: ["GET"]
                    paths: ["/get*", "/admin*"]
                when:
                - key: request.headers[x-token]
                  notValues: ["admin"]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: require-jwt
              namespace: foo
            spec:
              selector:
                matchLabels:
                  app: httpbin
              rules:
              - from:
                - source:
                    requestPrincipals: ["testing@secure.istio.io/*"]
                when:
                - key: request.auth.claims[groups]
                  values: ["group1"]
              - from:
                - source:
                    principals: ["cluster.local/ns/foo/sa/curl"]
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
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: httpbin
              namespace: foo
            spec:
              selector:
                matchLabels:
                  app: httpbin
              portLevelMtls:
                8080:
                  mode: PERMISSIVE
            """;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

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

    private String config() throws Exception {
        Path p = dir.resolve("httpbin.yaml");
        Files.writeString(p, HTTPBIN);
        return p.toString();
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("authorize"));
        all.addAll(List.of(args));
        return cli.run(all.toArray(String[]::new));
    }

    private JsonNode json(int expectedExit, String... args) {
        List<String> all = new ArrayList<>(List.of("--json"));
        all.addAll(List.of(args));
        assertThat(run(all.toArray(String[]::new))).as("exit code; stderr: %s", err()).isEqualTo(expectedExit);
        assertThat(out().lines()).as("one line of JSON").hasSize(1);
        return MAPPER.readTree(out());
    }

    @Test
    void allowedJsonHasEveryKeyInOrderAndExitsZero() throws Exception {
        JsonNode root = json(0, "--config", config(), "-n", "foo", "--workload-labels", "app=httpbin",
                "--port", "8000", "--principal", "cluster.local/ns/foo/sa/curl", "-H", "x-token: admin", "GET", "/get");

        assertThat(err()).isEmpty();
        assertThat(root.propertyNames()).containsExactly("decision", "policy", "action", "reason", "httpStatus",
                "mtlsMode", "mtlsPolicy", "path", "workload", "port", "policies", "notes");
        assertThat(root.get("decision").stringValue()).isEqualTo("ALLOW");
        assertThat(root.get("policy").stringValue()).isEqualTo("foo/require-jwt");
        assertThat(root.get("action").stringValue()).isEqualTo("ALLOW");
        assertThat(root.get("httpStatus").isNull()).isTrue();
        assertThat(root.get("mtlsMode").stringValue()).isEqualTo("STRICT");
        assertThat(root.get("mtlsPolicy").stringValue()).isEqualTo("istio-system/default");
        assertThat(root.get("path").stringValue()).isEqualTo("/get");
        assertThat(root.get("workload").toString()).isEqualTo("{\"namespace\":\"foo\",\"labels\":{\"app\":\"httpbin\"}}");
        assertThat(root.get("port").intValue()).isEqualTo(8000);
        assertThat(root.get("policies").toString())
                .isEqualTo("[\"foo/deny-method-get (DENY)\",\"foo/require-jwt (ALLOW)\"]");
        assertThat(root.get("notes").size()).isZero();
    }

    @Test
    void deniedExitsFourAndNamesTheDenyPolicy() throws Exception {
        JsonNode root = json(AuthorizeCommand.DENIED, "--config", config(), "-n", "foo", "--workload-labels",
                "app=httpbin", "--port", "8080", "-H", "x-token: guest", "GET", "//%61dmin/./users");

        assertThat(root.get("decision").stringValue()).isEqualTo("DENY");
        assertThat(root.get("policy").stringValue()).isEqualTo("foo/deny-method-get");
        assertThat(root.get("action").stringValue()).isEqualTo("DENY");
        assertThat(root.get("httpStatus").intValue()).isEqualTo(403);
        assertThat(root.get("mtlsMode").stringValue()).as("portLevelMtls 8080").isEqualTo("PERMISSIVE");
        assertThat(root.get("mtlsPolicy").stringValue()).isEqualTo("foo/httpbin");
        assertThat(root.get("path").stringValue()).isEqualTo("/admin/users");
        assertThat(root.get("notes").toString()).isEqualTo("[\"the path is matched as /admin/users\"]");
    }

    @Test
    void aJwtWithTheRightGroupIsAllowed() throws Exception {
        JsonNode root = json(0, "--config", config(), "-n", "foo", "--workload-labels", "app=httpbin",
                "--request-principal", "testing@secure.istio.io/testing@secure.istio.io", "--claim", "groups=group1",
                "--claim", "groups=group2", "POST", "/post");

        assertThat(root.get("policy").stringValue()).isEqualTo("foo/require-jwt");
        assertThat(root.get("notes").toString()).contains("mTLS is STRICT on port 80: a plaintext request");
    }

    @Test
    void withoutAnyMatchingAllowTheReasonSaysSo() throws Exception {
        JsonNode root = json(AuthorizeCommand.DENIED, "--config", config(), "-n", "foo", "--workload-labels",
                "app=httpbin", "--request-principal", "testing@secure.istio.io/x", "--claim", "groups=group2",
                "POST", "/post");

        assertThat(root.get("policy").isNull()).isTrue();
        assertThat(root.get("action").isNull()).isTrue();
        assertThat(root.get("reason").stringValue()).isEqualTo("no ALLOW policy matched (1 applies): RBAC: access"
                + " denied");
    }

    @Test
    void aRejectedPathIsA400Denial() throws Exception {
        JsonNode root = json(AuthorizeCommand.DENIED, "--config", config(), "-n", "foo", "--workload-labels",
                "app=httpbin", "--principal", "cluster.local/ns/foo/sa/curl", "GET", "/admin%2F..");

        assertThat(root.get("httpStatus").intValue()).isEqualTo(400);
        assertThat(root.get("path").isNull()).isTrue();
        assertThat(root.get("reason").stringValue()).isEqualTo("bad request (400): the path holds an encoded slash or"
                + " backslash (%2F or %5C)");
    }

    @Test
    void textOutput() throws Exception {
        int code = run("--config", config(), "-n", "foo", "--workload-labels", "app=httpbin,version=v1",
                "--principal", "cluster.local/ns/foo/sa/curl", "GET", "/get");

        assertThat(code).isEqualTo(AuthorizeCommand.DENIED);
        assertThat(err()).isEmpty();
        assertThat(out().lines()).containsExactly(
                "Decision:  DENY (403)",
                "Policy:    foo/deny-method-get (DENY)",
                "Reason:    denied by DENY policy foo/deny-method-get (rules[0] matched): RBAC: access denied",
                "Workload:  foo app=httpbin,version=v1",
                "Path:      /get",
                "mTLS:      STRICT on port 80 (mesh policy istio-system/default)",
                "Policies:  foo/deny-method-get (DENY), foo/require-jwt (ALLOW)");
    }

    @Test
    void aWorkloadWithoutPoliciesIsAllowedWithAnExplanation() throws Exception {
        int code = run("--config", config(), "-n", "bar", "DELETE", "/anything");

        assertThat(code).isZero();
        assertThat(out()).contains("Decision:  ALLOW\n", "Policy:    none\n",
                "Reason:    no AuthorizationPolicy applies to this workload\n", "Workload:  bar (no labels)\n",
                "Policies:  none\n", "Note:      mTLS is STRICT on port 80");
    }

    @Test
    void invalidConfigurationExitsOneWithDiagnostics() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, HTTPBIN.replace("action: DENY", "action: MAYBE"));

        int code = run("--config", bad.toString(), "GET", "/");

        assertThat(code).isEqualTo(ExitCode.INVALID);
        assertThat(out()).contains("bad.yaml:", "error: AuthorizationPolicy foo/deny-method-get");
        assertThat(err()).contains("mesh authorize: the configuration has errors; nothing is decided until they are"
                + " fixed");
    }

    @Test
    void helpAndUsage() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("Usage: mesh authorize --config PATH").contains("4  the request is denied");
        assertThat(cli.run("help", "authorize")).isZero();
        assertThat(cli.run("--help")).isZero();
        assertThat(out()).contains("  authorize  decide one inbound request");

        assertThat(run("GET", "/")).isEqualTo(ExitCode.USAGE);
        assertThat(err()).isEqualTo("mesh authorize: no --config given: name the configuration with --config PATH"
                + " (a file or a directory)\nRun 'mesh authorize --help' for usage.\n");
    }

    @Test
    void anUnreadableConfigIsAnIoProblem() {
        assertThat(run("--config", dir.resolve("missing.yaml").toString(), "GET", "/")).isEqualTo(ExitCode.USAGE);
        assertThat(err()).contains("cannot read", "no such file or directory");
    }
}

package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.FRONTEND;
import static io.inmesh.security.server.MeshServerTestBed.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server hands the mesh the path as sent ({@code HttpURI.getPath()}, still percent-encoded), and the mesh
 * normalizes it before authorization: disguised forms of a denied path are denied too. Jetty itself refuses some
 * ambiguous forms (an empty segment, an encoded slash or dot segment) with 400 before any handler runs; either way
 * none gets through. The client is curl with {@code --path-as-is}, over mTLS on a STRICT port.
 */
class PathNormalizationThroughJettyTest {
    private static final String DENY_ADMIN = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: no-admin, namespace: default}
            spec:
              selector: {matchLabels: {app: reviews}}
              action: DENY
              rules:
              - to:
                - operation:
                    paths: ["/admin", "/admin/*"]
            """;

    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        Curl.assumeAvailable();
        bed = MeshServerTestBed.start(tmp, peerAuthentication("STRICT") + DENY_ADMIN);
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin", "/admin/users", "/%61dmin", "/public/../admin", "/./admin/x", "/admin;x",
            "//admin", "/admin%2Fusers", "/admin/%2e%2e/admin"})
    void disguisedFormsOfADeniedPathDoNotGetThrough(String path) throws Exception {
        Curl.Result r = bed.mtls(bed.client(FRONTEND), path, "--path-as-is");

        assertThat(r.status()).as(r.describe()).isIn(400, 403);
        if (r.status() == 403) {
            assertThat(r.body()).isEqualTo("RBAC: access denied");
        } else {
            assertThat(bed.server.hasDecisions()).as("Jetty refused it before the handler").isFalse();
        }
    }

    @Test
    void otherPathsAreServed() throws Exception {
        Curl.Result r = bed.mtls(bed.client(FRONTEND), "/public/admin", "--path-as-is");

        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body()).contains("path: /public/admin");
    }
}

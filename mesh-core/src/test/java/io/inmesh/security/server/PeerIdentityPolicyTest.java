package io.inmesh.security.server;

import static io.inmesh.security.server.MeshServerTestBed.FRONTEND;
import static io.inmesh.security.server.MeshServerTestBed.PRODUCTPAGE;
import static io.inmesh.security.server.MeshServerTestBed.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.InboundDecision;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer's SPIFFE ID, taken from the TLS session by the server, reaches the policies: AuthorizationPolicy
 * principals and the LocalRateLimit's per-principal buckets. Answers are checked with {@code curl -i}.
 */
class PeerIdentityPolicyTest {
    private static final String FRONTEND_ONLY = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: frontend-only, namespace: default}
            spec:
              selector: {matchLabels: {app: reviews}}
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/frontend"]
            """;

    private static final String TWO_PER_HOUR = """
            ---
            apiVersion: inmesh.io/v1alpha1
            kind: LocalRateLimit
            metadata: {name: reviews, namespace: default}
            spec:
              selector: {matchLabels: {app: reviews}}
              tokenBucket: {maxTokens: 2, tokensPerFill: 2, fillInterval: 1h}
            """;

    @TempDir
    Path tmp;

    MeshServerTestBed bed;

    @BeforeEach
    void setUp() {
        Curl.assumeAvailable();
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void onlyTheAllowedPrincipalGetsThrough() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("PERMISSIVE") + FRONTEND_ONLY);

        Curl.Result frontend = bed.mtls(bed.client(FRONTEND), "/reviews/1");
        Curl.Result productpage = bed.mtls(bed.client(PRODUCTPAGE), "/reviews/1");
        Curl.Result plaintext = bed.plaintext("/reviews/1");

        assertThat(frontend.status()).as(frontend.describe()).isEqualTo(200);
        assertThat(frontend.body()).contains("peer: " + FRONTEND.uri());
        assertThat(productpage.status()).as(productpage.describe()).isEqualTo(403);
        assertThat(productpage.body()).isEqualTo("RBAC: access denied");
        assertThat(plaintext.status()).as("no principal on plaintext: " + plaintext.describe()).isEqualTo(403);
        assertThat(plaintext.body()).isEqualTo("RBAC: access denied");

        InboundDecision allowed = bed.server.nextDecision();
        InboundDecision denied = bed.server.nextDecision();
        assertThat(allowed.authorization().policy()).contains("frontend-only");
        assertThat(denied.outcome()).isEqualTo(InboundDecision.Outcome.DENIED);
        assertThat(denied.peer()).isEqualTo(PRODUCTPAGE);
    }

    @Test
    void overTheLimitTheAnswerIs429WithRateLimitHeaders() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("STRICT") + TWO_PER_HOUR);
        Path client = bed.client(FRONTEND);

        Curl.Result first = bed.mtls(client, "/reviews/1");
        Curl.Result second = bed.mtls(client, "/reviews/1");
        Curl.Result third = bed.mtls(client, "/reviews/1");

        assertThat(first.status()).as(first.describe()).isEqualTo(200);
        assertThat(first.headers()).containsEntry("x-ratelimit-limit", "2").containsEntry("x-ratelimit-remaining", "1");
        assertThat(second.status()).as(second.describe()).isEqualTo(200);
        assertThat(second.headers()).containsEntry("x-ratelimit-remaining", "0");
        assertThat(third.status()).as(third.describe()).isEqualTo(429);
        assertThat(third.headers()).containsEntry("x-ratelimit-limit", "2").containsEntry("x-ratelimit-remaining", "0")
                .containsKey("x-ratelimit-reset");
        assertThat(third.body()).isEqualTo("local_rate_limited");
    }

    @Test
    void perPrincipalBucketsAreKeyedByThePeersSpiffeId() throws Exception {
        bed = MeshServerTestBed.start(tmp, peerAuthentication("STRICT")
                + TWO_PER_HOUR.stripTrailing() + "\n  perPrincipal: true\n");
        Path frontend = bed.client(FRONTEND);
        Path productpage = bed.client(PRODUCTPAGE);

        bed.mtls(frontend, "/");
        bed.mtls(frontend, "/");
        Curl.Result frontendThird = bed.mtls(frontend, "/");
        Curl.Result productpageFirst = bed.mtls(productpage, "/");

        assertThat(frontendThird.status()).as(frontendThird.describe()).isEqualTo(429);
        assertThat(productpageFirst.status()).as(productpageFirst.describe()).isEqualTo(200);
        assertThat(productpageFirst.headers()).containsEntry("x-ratelimit-remaining", "1");
    }
}

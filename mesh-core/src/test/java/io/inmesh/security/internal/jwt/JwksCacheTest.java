package io.inmesh.security.internal.jwt;

import static io.inmesh.security.internal.jwt.JwtFixtures.RSA;
import static io.inmesh.security.internal.jwt.JwtFixtures.RSA_2;
import static io.inmesh.security.internal.jwt.JwtFixtures.claims;
import static io.inmesh.security.internal.jwt.JwtFixtures.jwks;
import static io.inmesh.security.internal.jwt.JwtFixtures.request;
import static io.inmesh.security.internal.jwt.JwtFixtures.snapshot;
import static io.inmesh.security.internal.jwt.JwtFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** JwksCache against a real JWKS server on loopback (the JDK's HttpServer). */
class JwksCacheTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final String ISSUER = "https://issuer.example.com";

    final JwtFixtures.MutableClock clock = new JwtFixtures.MutableClock(NOW);
    final JwksCache cache = JwksCache.builder().clock(clock).noScheduler().build();
    final JwksServer server = new JwksServer();

    @AfterEach
    void close() {
        cache.close();
        server.close();
    }

    /** A JWKS endpoint whose answer, status and delay tests change; it counts requests per path. */
    static final class JwksServer implements AutoCloseable {
        final Map<String, String> bodies = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
        volatile int status = 200;
        volatile long delayMillis;
        private final ExecutorService executor = Executors.newCachedThreadPool();
        private final HttpServer http;

        JwksServer() {
            try {
                http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            http.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                try {
                    if (delayMillis > 0) {
                        Thread.sleep(delayMillis);
                    }
                    String body = bodies.getOrDefault(path, "");
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    int code = bodies.containsKey(path) ? status : 404;
                    exchange.getResponseHeaders().add("content-type", "application/json");
                    exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            http.setExecutor(executor);
            http.start();
        }

        String base() {
            return "http://127.0.0.1:" + http.getAddress().getPort();
        }

        URI uri(String path) {
            return URI.create(base() + path);
        }

        int hits(String path) {
            AtomicInteger n = hits.get(path);
            return n == null ? 0 : n.get();
        }

        void stop() {
            http.stop(0);
        }

        @Override
        public void close() {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    JwtAuthenticator remoteRule(String uri, String extra) {
        return JwtAuthenticator.forWorkload(snapshot("""
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: remote
                  namespace: shop
                spec:
                  jwtRules:
                  - issuer: %s
                    jwksUri: %s
                %s
                """.formatted(ISSUER, uri, extra.indent(4).stripTrailing())), "shop", Map.of(), cache);
    }

    String rs(String subject) {
        return token(RSA, claims(ISSUER, subject, clock.instant()).build());
    }

    static void authenticated(JwtResult r) {
        assertThat(r).isInstanceOf(JwtResult.Authenticated.class);
    }

    static String reason(JwtResult r) {
        assertThat(r).isInstanceOf(JwtResult.Rejected.class);
        return ((JwtResult.Rejected) r).reason();
    }

    @Test
    void theFirstRequestWaitsForTheFetchAndLaterOnesUseTheCache() {
        server.bodies.put("/keys", jwks(RSA));
        JwtAuthenticator a = remoteRule(server.uri("/keys").toString(), "");
        authenticated(a.authenticate(request().bearer(rs("alice"))));
        authenticated(a.authenticate(request().bearer(rs("bob"))));
        // A new snapshot compiles a new authenticator; the cache outlives it.
        authenticated(remoteRule(server.uri("/keys").toString(), "").authenticate(request().bearer(rs("carol"))));
        assertThat(server.hits("/keys")).isEqualTo(1);
    }

    @Test
    void aSlowServerIsWaitedForAtMostTheRuleTimeoutThenTheTokenIsRejected() {
        server.bodies.put("/keys", jwks(RSA));
        server.delayMillis = 3_000;
        JwtAuthenticator a = remoteRule(server.uri("/keys").toString(), "timeout: 300ms");
        long start = System.nanoTime();
        assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_000));
        assertThat(server.hits("/keys")).as("one fetch at a time").isEqualTo(1);
    }

    @Test
    void aServerThatIsDownMeansRejectedAndIsNotHitByEveryRequest() {
        URI uri = server.uri("/keys");
        server.stop();
        JwtAuthenticator a = remoteRule(uri.toString(), "");
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aFailedFetchIsRetriedOneSecondLaterAndARecoveredServerIsUsed() {
        server.bodies.put("/keys", jwks(RSA));
        server.status = 500;
        JwtAuthenticator a = remoteRule(server.uri("/keys").toString(), "");
        assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        assertThat(server.hits("/keys")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(reason(a.authenticate(request().bearer(rs("alice"))))).isEqualTo(Reasons.FETCH_FAILED);
        assertThat(server.hits("/keys")).isEqualTo(2);
        server.status = 200;
        clock.advance(Duration.ofSeconds(1));
        authenticated(a.authenticate(request().bearer(rs("alice"))));
        assertThat(server.hits("/keys")).isEqualTo(3);
    }

    @Test
    void cachedKeysKeepWorkingWhileTheServerIsDownUntilTheyAreTooOld() {
        server.bodies.put("/keys", jwks(RSA));
        URI uri = server.uri("/keys");
        JwtAuthenticator a = remoteRule(uri.toString(), "");
        String longLived = token(RSA, claims(ISSUER, "alice", NOW)
                .expirationTime(Date.from(NOW.plus(Duration.ofDays(3)))).build());
        authenticated(a.authenticate(request().bearer(longLived)));
        server.stop();
        clock.advance(Duration.ofMinutes(21));
        // Due for refresh: the request is answered from the cache while the refresh fails in the background.
        long start = System.nanoTime();
        authenticated(a.authenticate(request().bearer(longLived)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
        JwksCache.Source source = JwksCache.Source.jwks(uri);
        await().atMost(Duration.ofSeconds(5)).until(() -> !cache.fetching(source));
        authenticated(a.authenticate(request().bearer(longLived)));
        assertThat(cache.fetchedAt(source)).isEqualTo(NOW);
        // A day without a successful refresh: fail closed.
        clock.advance(Duration.ofHours(24));
        assertThat(reason(a.authenticate(request().bearer(longLived)))).isEqualTo(Reasons.FETCH_FAILED);
    }

    @Test
    void aDueKeySetIsRefreshedInTheBackground() {
        server.bodies.put("/keys", jwks(RSA));
        URI uri = server.uri("/keys");
        JwtAuthenticator a = remoteRule(uri.toString(), "");
        authenticated(a.authenticate(request().bearer(rs("alice"))));
        clock.advance(Duration.ofMinutes(19));
        authenticated(a.authenticate(request().bearer(rs("alice"))));
        cache.refreshDue();
        assertThat(server.hits("/keys")).as("not due yet").isEqualTo(1);
        clock.advance(Duration.ofMinutes(1));
        cache.refreshDue();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hits("/keys") == 2);
        JwksCache.Source source = JwksCache.Source.jwks(uri);
        await().atMost(Duration.ofSeconds(5)).until(() -> NOW.plus(Duration.ofMinutes(20)).equals(cache.fetchedAt(source)));
        // Request-driven refresh 20 minutes later, answered from the cache meanwhile.
        clock.advance(Duration.ofMinutes(20));
        authenticated(a.authenticate(request().bearer(rs("alice"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hits("/keys") == 3);
    }

    @Test
    void aRotatedKeyIsPickedUpByARefetchForTheUnknownKid() {
        server.bodies.put("/keys", jwks(RSA));
        URI uri = server.uri("/keys");
        JwksCache.Source source = JwksCache.Source.jwks(uri);
        JwtAuthenticator a = remoteRule(uri.toString(), "");
        String old = rs("alice");
        authenticated(a.authenticate(request().bearer(old)));

        server.bodies.put("/keys", jwks(RSA_2));
        String rotated = token(RSA_2, claims(ISSUER, "alice", NOW).build());
        assertThat(reason(a.authenticate(request().bearer(rotated)))).isEqualTo(Reasons.KID_MISMATCH);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hits("/keys") == 2 && !cache.fetching(source));
        authenticated(a.authenticate(request().bearer(rotated)));
        assertThat(reason(a.authenticate(request().bearer(old)))).as("the old key was replaced")
                .isEqualTo(Reasons.KID_MISMATCH);

        // Unknown kids cause at most one refetch per 30 s.
        String forged = token(RSA_2, "rsa-3", claims(ISSUER, "alice", NOW).build());
        assertThat(reason(a.authenticate(request().bearer(forged)))).isEqualTo(Reasons.KID_MISMATCH);
        assertThat(reason(a.authenticate(request().bearer(forged)))).isEqualTo(Reasons.KID_MISMATCH);
        assertThat(cache.fetching(source)).isFalse();
        assertThat(server.hits("/keys")).isEqualTo(2);
        clock.advance(Duration.ofSeconds(30));
        assertThat(reason(a.authenticate(request().bearer(forged)))).isEqualTo(Reasons.KID_MISMATCH);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hits("/keys") == 3);
    }

    @Test
    void withoutJwksOrJwksUriTheKeysAreFoundByOpenIdDiscovery() {
        String issuer = server.base();
        server.bodies.put("/.well-known/openid-configuration",
                "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/oauth/keys\"}");
        server.bodies.put("/oauth/keys", jwks(RSA));
        JwtAuthenticator a = JwtAuthenticator.forWorkload(snapshot("""
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: discovered
                  namespace: shop
                spec:
                  jwtRules:
                  - issuer: %s/
                """.formatted(issuer)), "shop", Map.of(), cache);
        authenticated(a.authenticate(request().bearer(token(RSA, claims(issuer + "/", "alice", NOW).build()))));
        assertThat(server.hits("/.well-known/openid-configuration")).isEqualTo(1);
        assertThat(server.hits("/oauth/keys")).isEqualTo(1);
    }

    @Test
    void documentsThatAreNotUsableKeySetsAreFailedFetches() {
        JwtAuthenticator a = remoteRule(server.uri("/keys").toString(), "");
        String t = rs("alice");
        for (String body : new String[] {"not json", "{\"keys\":[]}", "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}",
                "{\"keys\":[]," + "\"pad\":\"" + "x".repeat(JwksCache.MAX_BODY_BYTES) + "\"}"}) {
            server.bodies.put("/keys", body);
            clock.advance(Duration.ofSeconds(2));
            assertThat(reason(a.authenticate(request().bearer(t)))).as(body.substring(0, Math.min(30, body.length())))
                    .isEqualTo(Reasons.FETCH_FAILED);
        }
        assertThat(server.hits("/keys")).isEqualTo(4);
        server.bodies.put("/keys", jwks(RSA));
        clock.advance(Duration.ofSeconds(2));
        authenticated(a.authenticate(request().bearer(t)));
    }
}

package io.inmesh.traffic.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.CookieAttribute;
import io.inmesh.config.DestinationRule.HttpCookie;
import io.inmesh.config.DestinationRule.MagLev;
import io.inmesh.traffic.RequestView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashPolicyTest {

    /** A GET with the given lower-case headers and decoded query parameters. */
    private record Request(Map<String, String> headers, Map<String, String> params) implements RequestView {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String scheme() {
            return "http";
        }

        @Override
        public String host() {
            return "reviews.default.svc.cluster.local";
        }

        @Override
        public int port() {
            return 80;
        }

        @Override
        public String authority() {
            return host();
        }

        @Override
        public String path() {
            return "/";
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        @Override
        public String queryParameter(String name) {
            return params.get(name);
        }
    }

    private static final Request EMPTY = new Request(Map.of(), Map.of());

    private static ConsistentHashLb header(String name) {
        return new ConsistentHashLb(name, null, null, null, null, null, null);
    }

    private static ConsistentHashLb cookie(HttpCookie cookie) {
        return new ConsistentHashLb(null, cookie, null, null, null, null, null);
    }

    private static ConsistentHashLb query(String name) {
        return new ConsistentHashLb(null, null, null, name, null, null, null);
    }

    private static ConsistentHashLb sourceIp(Boolean use) {
        return new ConsistentHashLb(null, null, use, null, null, null, null);
    }

    @Test
    void nullConfigMeansNoPolicy() {
        assertThat(HashPolicy.of(null)).isNull();
    }

    @Test
    void headerIsLookedUpLowerCase() {
        HashPolicy policy = HashPolicy.of(header("X-User"));
        long h = policy.hash(new Request(Map.of("x-user", "alice"), Map.of()), "10.1.1.1");
        assertThat(h).isEqualTo(Hashing.hash64("alice")).isEqualTo(HashPolicy.hashKey("alice"));
        assertThat(policy.hash(new Request(Map.of("x-user", "bob"), Map.of()), null)).isNotEqualTo(h);
        assertThat(policy.hash(new Request(Map.of("x-user", ""), Map.of()), null)).isEqualTo(Hashing.hash64(""));
        assertThat(policy.hash(EMPTY, "10.1.1.1")).isEqualTo(LoadBalancer.NO_HASH);
        assertThat(policy.cookieName()).isNull();
        assertThat(policy.generatesCookie()).isFalse();
    }

    @Test
    void cookieValueIsTheKey() {
        HashPolicy policy = HashPolicy.of(cookie(new HttpCookie("session", "/api", null, null)));
        assertThat(policy.hash(new Request(Map.of("cookie", "a=1; session=abc; b=2"), Map.of()), null))
                .isEqualTo(Hashing.hash64("abc"));
        assertThat(policy.hash(new Request(Map.of("cookie", "session=\"abc\""), Map.of()), null))
                .isEqualTo(Hashing.hash64("abc"));
        assertThat(policy.hash(new Request(Map.of("cookie", "Session=abc"), Map.of()), null))
                .isEqualTo(LoadBalancer.NO_HASH);
        assertThat(policy.hash(new Request(Map.of("cookie", "session="), Map.of()), null))
                .isEqualTo(LoadBalancer.NO_HASH);
        assertThat(policy.hash(EMPTY, null)).isEqualTo(LoadBalancer.NO_HASH);
        assertThat(policy.cookieName()).isEqualTo("session");
        assertThat(policy.cookiePath()).isEqualTo("/api");
        assertThat(policy.cookieTtl()).isNull();
        assertThat(policy.generatesCookie()).isFalse();
    }

    @Test
    void queryParameterIsTheKey() {
        HashPolicy policy = HashPolicy.of(query("tenant"));
        assertThat(policy.hash(new Request(Map.of(), Map.of("tenant", "acme")), null))
                .isEqualTo(Hashing.hash64("acme"));
        assertThat(policy.hash(new Request(Map.of(), Map.of("other", "acme")), null))
                .isEqualTo(LoadBalancer.NO_HASH);
    }

    @Test
    void sourceIpIsTheKey() {
        HashPolicy policy = HashPolicy.of(sourceIp(true));
        assertThat(policy.hash(EMPTY, "10.1.2.3")).isEqualTo(Hashing.hash64("10.1.2.3"));
        assertThat(policy.hash(EMPTY, null)).isEqualTo(LoadBalancer.NO_HASH);
        assertThat(policy.hash(EMPTY, "")).isEqualTo(LoadBalancer.NO_HASH);
        assertThat(HashPolicy.of(sourceIp(false)).hash(EMPTY, "10.1.2.3")).isEqualTo(LoadBalancer.NO_HASH);
    }

    @Test
    void noKeyMeansNoHash() {
        HashPolicy policy = HashPolicy.of(new ConsistentHashLb(null, null, null, null, null, new MagLev(null), null));
        assertThat(policy.hash(new Request(Map.of("x-user", "a"), Map.of("q", "b")), "10.0.0.1"))
                .isEqualTo(LoadBalancer.NO_HASH);
    }

    @Test
    void fieldOrderDecidesWhenSeveralKeysAreGiven() {
        HashPolicy policy = HashPolicy.of(new ConsistentHashLb("x-user", null, true, "q", null, null, null));
        assertThat(policy.hash(new Request(Map.of("x-user", "a"), Map.of("q", "b")), "10.0.0.1"))
                .isEqualTo(Hashing.hash64("a"));
    }

    @Test
    void cookieWithTtlIsGeneratedByTheCaller() {
        HashPolicy policy = HashPolicy.of(cookie(new HttpCookie("lb", "/", Duration.ofMinutes(10), null)));
        assertThat(policy.generatesCookie()).isTrue();
        assertThat(policy.cookieTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(policy.hash(EMPTY, null)).isEqualTo(LoadBalancer.NO_HASH);
        // The caller hashes the generated value; the next request carrying the cookie hashes the same.
        String generated = "c0ffee";
        String setCookie = policy.setCookieHeader(generated);
        String echoed = setCookie.substring(0, setCookie.indexOf(';'));
        assertThat(policy.hash(new Request(Map.of("cookie", echoed), Map.of()), null))
                .isEqualTo(HashPolicy.hashKey(generated));
    }

    @Test
    void setCookieHeaderFollowsEnvoy() {
        assertThat(HashPolicy.of(cookie(new HttpCookie("lb", "/", Duration.ofSeconds(90), null)))
                .setCookieHeader("v1")).isEqualTo("lb=\"v1\"; Max-Age=90; Path=/; HttpOnly");
        assertThat(HashPolicy.of(cookie(new HttpCookie("lb", null, Duration.ofMillis(1500), null)))
                .setCookieHeader("v1")).isEqualTo("lb=\"v1\"; Max-Age=1; HttpOnly");
        // Zero ttl: a session cookie, without Max-Age.
        assertThat(HashPolicy.of(cookie(new HttpCookie("lb", "", Duration.ZERO, null)))
                .setCookieHeader("v1")).isEqualTo("lb=\"v1\"; HttpOnly");
        List<CookieAttribute> attributes = List.of(new CookieAttribute("SameSite", "Strict"),
                new CookieAttribute("Secure", null), new CookieAttribute("Partitioned", ""));
        assertThat(HashPolicy.of(cookie(new HttpCookie("lb", "/shop", Duration.ofHours(1), attributes)))
                .setCookieHeader("abc"))
                .isEqualTo("lb=\"abc\"; Max-Age=3600; Path=/shop; SameSite=Strict; Secure; Partitioned; HttpOnly");
    }

    @Test
    void setCookieHeaderNeedsACookiePolicy() {
        assertThatThrownBy(() -> HashPolicy.of(header("x-user")).setCookieHeader("v"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a cookie");
    }

    @Test
    void hashKeyNeverReturnsNoHash() {
        assertThat(HashPolicy.hashKey("anything")).isNotEqualTo(LoadBalancer.NO_HASH);
    }
}

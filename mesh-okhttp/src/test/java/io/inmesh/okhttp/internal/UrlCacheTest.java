package io.inmesh.okhttp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** The cached URL of a try is always the one a rebuild would give; the same inputs reuse it. */
class UrlCacheTest {

    /** What the interceptor built for every try before the cache. */
    private static HttpUrl rebuilt(HttpUrl original, String scheme, String host, int port, String path) {
        HttpUrl.Builder b = original.newBuilder().scheme(scheme).host(host).port(port);
        if (!path.equals(original.encodedPath())) {
            b.encodedPath(path);
        }
        return b.build();
    }

    private static HttpUrl check(UrlCache cache, HttpUrl original, String scheme, String host, int port, String path) {
        UrlCache.TryUrl t = cache.tryUrl(original, scheme, host, port, path);
        HttpUrl expected = rebuilt(original, scheme, host, port, path);
        assertThat(t.url).isEqualTo(expected);
        assertThat(t.encodedPath).isEqualTo(expected.encodedPath());
        return t.url;
    }

    @Test
    void twoEndpointsTakingTurnsEachGetTheirOwnUrl() {
        UrlCache cache = new UrlCache();
        HttpUrl original = HttpUrl.get("http://reviews:9080/reviews/1?x=1");
        HttpUrl a = null;
        HttpUrl b = null;
        for (int i = 0; i < 10; i++) {
            HttpUrl ua = check(cache, original, "http", "10.0.0.1", 9080, "/reviews/1");
            HttpUrl ub = check(cache, original, "http", "10.0.0.2", 9081, "/reviews/1");
            assertThat(ua.toString()).isEqualTo("http://10.0.0.1:9080/reviews/1?x=1");
            assertThat(ub.toString()).isEqualTo("http://10.0.0.2:9081/reviews/1?x=1");
            if (i == 0) {
                a = ua;
                b = ub;
            }
        }
        // the same inputs, an equal (not the same) original URL: the cached URL again
        assertThat(cache.tryUrl(HttpUrl.get("http://reviews:9080/reviews/1?x=1"), "http", "10.0.0.1", 9080,
                "/reviews/1").url).isSameAs(a);
        assertThat(cache.tryUrl(original, "http", "10.0.0.2", 9081, "/reviews/1").url).isSameAs(b);
        // same address, another port or scheme
        assertThat(check(cache, original, "http", "10.0.0.1", 9081, "/reviews/1").port()).isEqualTo(9081);
        assertThat(check(cache, original, "https", "10.0.0.1", 9080, "/reviews/1").toString())
                .isEqualTo("https://10.0.0.1:9080/reviews/1?x=1");
    }

    @Test
    void aPathRewriteOrAnotherQueryIsNeverServedAStaleUrl() {
        UrlCache cache = new UrlCache();
        HttpUrl original = HttpUrl.get("http://reviews:9080/v1/reviews?id=7");
        assertThat(check(cache, original, "http", "10.0.0.1", 9080, "/v1/reviews").toString())
                .isEqualTo("http://10.0.0.1:9080/v1/reviews?id=7");
        assertThat(check(cache, original, "http", "10.0.0.1", 9080, "/v2/reviews").toString())
                .isEqualTo("http://10.0.0.1:9080/v2/reviews?id=7");
        assertThat(check(cache, original, "http", "10.0.0.1", 9080, "/v1/reviews").toString())
                .isEqualTo("http://10.0.0.1:9080/v1/reviews?id=7");
        assertThat(check(cache, HttpUrl.get("http://reviews:9080/v1/reviews?id=8"), "http", "10.0.0.1", 9080,
                "/v1/reviews").toString()).isEqualTo("http://10.0.0.1:9080/v1/reviews?id=8");
        assertThat(check(cache, HttpUrl.get("http://reviews:9080/v1/reviews"), "http", "10.0.0.1", 9080,
                "/v1/reviews").toString()).isEqualTo("http://10.0.0.1:9080/v1/reviews");
        assertThat(check(cache, HttpUrl.get("http://reviews:9080/v1/reviews?id=7#top"), "http", "10.0.0.1", 9080,
                "/v1/reviews").toString()).isEqualTo("http://10.0.0.1:9080/v1/reviews?id=7#top");
        assertThat(check(cache, HttpUrl.get("http://other:9080/v1/reviews?id=7"), "http", "10.0.0.1", 9080,
                "/v1/reviews").toString()).isEqualTo("http://10.0.0.1:9080/v1/reviews?id=7");
        // a rewrite that needs encoding is canonicalized as before, and its encoded path reported as built
        check(cache, original, "http", "10.0.0.1", 9080, "/a b/ü");
    }

    @Test
    void moreUrlsThanSlotsStayCorrectAndBounded() {
        UrlCache cache = new UrlCache();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < UrlCache.SLOTS * 4; i++) {
                HttpUrl original = HttpUrl.get("http://reviews:9080/r/" + i + "?q=" + (i % 7));
                check(cache, original, "http", "10.0.0." + (i % 5), 9000 + (i % 3), i % 2 == 0 ? "/r/" + i : "/x/" + i);
            }
        }
    }

    @Test
    void threadsSharingTheCacheGetTheirOwnUrls() throws Exception {
        UrlCache cache = new UrlCache();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                int id = thread;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        int k = (i * 7 + id) % 600;
                        HttpUrl original = HttpUrl.get("http://svc" + (k % 3) + ":80/p/" + k + "?t=" + id);
                        check(cache, original, k % 2 == 0 ? "http" : "https", "10.1.0." + (k % 4), 8000 + (k % 5),
                                "/p/" + k);
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void authorityHasThePortUnlessTheDefaultAndBracketsAnIpv6Host() {
        UrlCache cache = new UrlCache();
        for (int i = 0; i < 2; i++) {
            assertThat(cache.authority(HttpUrl.get("http://reviews:9080/a"))).isEqualTo("reviews:9080");
            assertThat(cache.authority(HttpUrl.get("http://reviews/a"))).isEqualTo("reviews");
            assertThat(cache.authority(HttpUrl.get("https://reviews/a"))).isEqualTo("reviews");
            assertThat(cache.authority(HttpUrl.get("https://reviews:80/a"))).isEqualTo("reviews:80");
            assertThat(cache.authority(HttpUrl.get("http://reviews:443/a"))).isEqualTo("reviews:443");
            assertThat(cache.authority(HttpUrl.get("http://[::1]:8080/a"))).isEqualTo("[::1]:8080");
            assertThat(cache.authority(HttpUrl.get("http://ratings:9080/a"))).isEqualTo("ratings:9080");
        }
    }
}

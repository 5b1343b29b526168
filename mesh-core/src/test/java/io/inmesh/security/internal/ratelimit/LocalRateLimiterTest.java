package io.inmesh.security.internal.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {
    static final Map<String, String> FRONTEND = Map.of("app", "frontend");
    static final String ALICE = "cluster.local/ns/shop/sa/alice";
    static final String BOB = "cluster.local/ns/shop/sa/bob";
    static final String CRAWLER = "cluster.local/ns/batch/sa/crawler";

    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final RateLimitBuckets buckets = new RateLimitBuckets(nanos::get);

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    static MeshSnapshot snapshot(String yaml) {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = holder.update(List.of(new ConfigFile("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected r ? r.rejection().diagnostics() : "")
                .isInstanceOf(ConfigUpdate.Applied.class);
        return holder.current();
    }

    /** A LocalRateLimit in namespace shop selecting app=frontend; {@code spec} is indented 2 under spec. */
    static String lrl(String name, String spec) {
        return """
                apiVersion: inmesh.io/v1alpha1
                kind: LocalRateLimit
                metadata:
                  name: %s
                  namespace: shop
                spec:
                  selector:
                    matchLabels:
                      app: frontend
                %s
                ---
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    LocalRateLimiter limiter(String yaml) {
        return LocalRateLimiter.forWorkload(snapshot(yaml), "shop", FRONTEND, buckets);
    }

    static Req req(String method, String path) {
        return new Req(method, path);
    }

    static Req get() {
        return req("GET", "/");
    }

    @Test
    void aBurstOfMaxTokensIsAllowedThenRequestsAreRefused() {
        LocalRateLimiter l = limiter(lrl("burst", """
                tokenBucket: {maxTokens: 3, tokensPerFill: 1, fillInterval: 1s}
                """));
        for (int remaining = 2; remaining >= 0; remaining--) {
            RateLimitDecision d = l.check(get(), null);
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(remaining);
        }
        RateLimitDecision refused = l.check(get(), null);
        assertThat(refused).isEqualTo(new RateLimitDecision(false, 3, 0, 1, "shop/burst", -1));
        assertThat(refused.headers()).containsExactly(Map.entry("x-ratelimit-limit", "3"),
                Map.entry("x-ratelimit-remaining", "0"), Map.entry("x-ratelimit-reset", "1"));
    }

    @Test
    void tokensPerFillAreAddedAtEachWholeFillIntervalUpToMaxTokens() {
        LocalRateLimiter l = limiter(lrl("fill", """
                tokenBucket: {maxTokens: 5, tokensPerFill: 2, fillInterval: 1s}
                """));
        drain(l, 5);
        advance(Duration.ofMillis(999));
        RateLimitDecision early = l.check(get(), null);
        assertThat(early.allowed()).isFalse();
        assertThat(early.resetSeconds()).isEqualTo(1);
        advance(Duration.ofMillis(1));
        assertThat(l.check(get(), null).remaining()).isEqualTo(1);
        assertThat(l.check(get(), null).remaining()).isEqualTo(0);
        assertThat(l.check(get(), null).allowed()).isFalse();
        // Fills follow the bucket's own schedule: half an interval later, the next fill is still 0.5 s away.
        advance(Duration.ofMillis(1500));
        assertThat(l.check(get(), null).remaining()).as("one fill of 2").isEqualTo(1);
        advance(Duration.ofSeconds(10));
        assertThat(drain(l, 100)).as("capped at maxTokens").isEqualTo(5);
    }

    @Test
    void tokensPerFillDefaultsToOne() {
        LocalRateLimiter l = limiter(lrl("one", """
                tokenBucket: {maxTokens: 10, fillInterval: 100ms}
                """));
        drain(l, 10);
        advance(Duration.ofMillis(300));
        assertThat(drain(l, 10)).isEqualTo(3);
    }

    @Test
    void theFirstMatchingOverrideDecidesTheBucket() {
        LocalRateLimiter l = limiter(lrl("frontend", """
                tokenBucket: {maxTokens: 100, fillInterval: 1s}
                overrides:
                - match:
                    paths: [/api/login, "/api/password/*"]
                    methods: [POST]
                  tokenBucket: {maxTokens: 2, fillInterval: 1m}
                - match:
                    principals: ["cluster.local/ns/batch/*"]
                  tokenBucket: {maxTokens: 5, tokensPerFill: 1, fillInterval: 250ms}
                - match:
                    paths: ["*.css"]
                  tokenBucket: {maxTokens: 1000, fillInterval: 1s}
                """));
        RateLimitDecision login = l.check(req("POST", "/api/login"), CRAWLER);
        assertThat(login.override()).as("first match wins over the principal override").isZero();
        assertThat(login.limit()).isEqualTo(2);
        assertThat(l.check(req("POST", "/api/password/reset"), null).override()).isZero();
        assertThat(l.check(req("POST", "//api/./login"), null).allowed()).as("normalized path, third token")
                .isFalse();
        assertThat(l.check(req("POST", "/api/x/../%6cogin"), null).override()).isZero();
        assertThat(l.check(req("GET", "/api/login"), null).override()).as("method does not match").isEqualTo(-1);
        assertThat(l.check(req("GET", "/api/login"), CRAWLER).override()).isEqualTo(1);
        assertThat(l.check(req("GET", "/api/login"), "spiffe://" + CRAWLER).override()).isEqualTo(1);
        assertThat(l.check(req("GET", "/site.css"), ALICE).override()).isEqualTo(2);
        assertThat(l.check(req("GET", "/site.css"), CRAWLER).override()).isEqualTo(1);
        RateLimitDecision dflt = l.check(req("GET", "/api/orders"), ALICE);
        assertThat(dflt.override()).isEqualTo(-1);
        assertThat(dflt.limit()).isEqualTo(100);
        // The login override's bucket is its own: the default bucket still has tokens.
        assertThat(dflt.remaining()).isEqualTo(98);
    }

    @Test
    void perPrincipalBucketsAreIsolated() {
        LocalRateLimiter l = limiter(lrl("pp", """
                tokenBucket: {maxTokens: 2, fillInterval: 1m}
                perPrincipal: true
                overrides:
                - match: {methods: [DELETE]}
                  tokenBucket: {maxTokens: 1, fillInterval: 1m}
                """));
        assertThat(drain(l, 10, ALICE)).isEqualTo(2);
        assertThat(l.check(get(), ALICE).allowed()).isFalse();
        assertThat(drain(l, 10, BOB)).isEqualTo(2);
        assertThat(drain(l, 10, null)).as("plaintext callers share one bucket").isEqualTo(2);
        assertThat(l.check(req("DELETE", "/x"), ALICE).allowed()).as("overrides are per principal too").isTrue();
        assertThat(l.check(req("DELETE", "/x"), ALICE).allowed()).isFalse();
        assertThat(l.check(req("DELETE", "/x"), BOB).allowed()).isTrue();
    }

    @Test
    void bucketsSurviveAReloadThatLeavesThePolicyEqualAndResetWhenItChanges() {
        String policy = lrl("keep", """
                tokenBucket: {maxTokens: 3, fillInterval: 1m}
                """);
        LocalRateLimiter first = limiter(policy);
        drain(first, 2);
        // Same policy, reformatted, next to another resource: same buckets.
        String reformatted = """
                apiVersion: inmesh.io/v1alpha1
                kind: LocalRateLimit
                metadata: {namespace: shop, name: keep}
                spec:
                  tokenBucket:
                    fillInterval: 60s
                    maxTokens: 3
                  selector: {matchLabels: {app: frontend}}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: other, namespace: shop}
                spec: {}
                """;
        LocalRateLimiter second = limiter(reformatted);
        assertThat(second.check(get(), null).remaining()).isEqualTo(0);
        assertThat(second.check(get(), null).allowed()).isFalse();
        assertThat(buckets.policies()).isEqualTo(1);
        // A changed policy starts over, full.
        LocalRateLimiter changed = limiter(lrl("keep", """
                tokenBucket: {maxTokens: 4, fillInterval: 1m}
                """));
        assertThat(drain(changed, 10)).isEqualTo(4);
        // Back to the first content: a fresh bucket again (the old one was forgotten).
        assertThat(drain(limiter(policy), 10)).isEqualTo(3);
        assertThat(buckets.policies()).isEqualTo(1);
        // No policy left for the workload: nothing held.
        LocalRateLimiter none = limiter(lrl("elsewhere", """
                selector: {matchLabels: {app: other}}
                tokenBucket: {maxTokens: 4, fillInterval: 1m}
                """).replace("  selector:\n    matchLabels:\n      app: frontend\n", ""));
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.check(get(), null)).isEqualTo(RateLimitDecision.UNLIMITED);
        assertThat(RateLimitDecision.UNLIMITED.headers()).isEmpty();
        assertThat(buckets.policies()).isZero();
    }

    @Test
    void everyApplicablePolicyIsEnforcedNarrowestFirst() {
        String yaml = lrl("workload", """
                tokenBucket: {maxTokens: 2, fillInterval: 1m}
                """) + """
                apiVersion: inmesh.io/v1alpha1
                kind: LocalRateLimit
                metadata: {name: namespace-wide, namespace: shop}
                spec:
                  tokenBucket: {maxTokens: 3, fillInterval: 1h}
                """;
        LocalRateLimiter l = limiter(yaml);
        RateLimitDecision d = l.check(get(), null);
        assertThat(d.policy()).as("the bucket with fewer tokens left").isEqualTo("shop/workload");
        assertThat(d.remaining()).isEqualTo(1);
        assertThat(l.check(get(), null).allowed()).isTrue();
        RateLimitDecision refused = l.check(get(), null);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.policy()).isEqualTo("shop/workload");
        // The refusal took no token from the namespace-wide bucket: it has one left for the next minute.
        advance(Duration.ofMinutes(1));
        RateLimitDecision fourth = l.check(get(), null);
        assertThat(fourth.allowed()).isTrue();
        advance(Duration.ofMinutes(1));
        RateLimitDecision wide = l.check(get(), null);
        assertThat(wide.allowed()).isFalse();
        assertThat(wide.policy()).isEqualTo("shop/namespace-wide");
        assertThat(wide.resetSeconds()).isEqualTo(Duration.ofMinutes(58).toSeconds());
        // Another workload of the namespace has buckets of its own.
        LocalRateLimiter web = LocalRateLimiter.forWorkload(snapshot(yaml), "shop", Map.of("app", "web"), buckets);
        assertThat(drain(web, 10)).isEqualTo(3);
    }

    @Test
    void theWiderPolicyRefusesWhenItIsEmpty() {
        String yaml = lrl("workload", """
                tokenBucket: {maxTokens: 10, fillInterval: 1m}
                """) + """
                apiVersion: inmesh.io/v1alpha1
                kind: LocalRateLimit
                metadata: {name: mesh-wide, namespace: istio-system}
                spec:
                  tokenBucket: {maxTokens: 3, fillInterval: 1m}
                """;
        LocalRateLimiter l = limiter(yaml);
        RateLimitDecision first = l.check(get(), null);
        assertThat(first.policy()).isEqualTo("istio-system/mesh-wide");
        assertThat(first.headers()).containsEntry("x-ratelimit-limit", "3").containsEntry("x-ratelimit-remaining", "2");
        drain(l, 2);
        RateLimitDecision refused = l.check(get(), null);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.policy()).isEqualTo("istio-system/mesh-wide");
    }

    @Test
    void principalsBeyondTheBoundDropFullBucketsFirstThenTheLeastRecentlyUsed() {
        Policy policy = Policy.compile(snapshot(lrl("pp", """
                tokenBucket: {maxTokens: 2, fillInterval: 1s}
                perPrincipal: true
                """)).localRateLimits().forWorkload("shop", FRONTEND).workload().get(0));
        RateLimitBuckets small = new RateLimitBuckets(nanos::get, 3);
        RateLimitBuckets.PolicyState state = small.bind("shop|{app=frontend}", List.of(policy)).get(0);
        for (String p : List.of("a", "b", "c")) {
            assertThat(take(state, p, 10)).isEqualTo(2);
            advance(Duration.ofMillis(1));
        }
        assertThat(state.principals()).isEqualTo(3);
        take(state, "d", 1);
        assertThat(state.principals()).as("'a', least recently used, made room").isEqualTo(3);
        assertThat(take(state, "b", 1)).as("'b' kept its empty bucket").isZero();
        assertThat(take(state, "a", 10)).as("'a' starts over with a full bucket").isEqualTo(2);
        // A fill later every bucket is full again, a full bucket is the same as a new one: those go first.
        advance(Duration.ofSeconds(5));
        take(state, "a", 1);
        take(state, "e", 1);
        assertThat(state.principals()).as("only the full buckets of b and d were dropped").isEqualTo(2);
        assertThat(take(state, "a", 10)).as("'a' kept its state").isEqualTo(1);
    }

    static int take(RateLimitBuckets.PolicyState state, String principal, int max) {
        int allowed = 0;
        for (int i = 0; i < max; i++) {
            if (state.bucket(-1, principal).tryTake().allowed()) {
                allowed++;
            }
        }
        return allowed;
    }

    @Test
    void concurrentRequestsNeverGetMoreThanTheBucketHolds() throws Exception {
        LocalRateLimiter l = limiter(lrl("race", """
                tokenBucket: {maxTokens: 1000, fillInterval: 1h}
                """));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                int allowed = 0;
                for (int i = 0; i < 500; i++) {
                    if (l.check(get(), null).allowed()) {
                        allowed++;
                    }
                }
                return allowed;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> f : results) {
            total += f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(total).isEqualTo(1000);
    }

    @Test
    void pathsAreNormalizedBeforeMatching() {
        assertThat(Matching.normalizePath("/a/b")).isEqualTo("/a/b");
        assertThat(Matching.normalizePath("//a///b/")).isEqualTo("/a/b/");
        assertThat(Matching.normalizePath("/a/./b/../c")).isEqualTo("/a/c");
        assertThat(Matching.normalizePath("/../../etc")).isEqualTo("/etc");
        assertThat(Matching.normalizePath("/%61dmin/%2e%2E/x")).isEqualTo("/x");
        assertThat(Matching.normalizePath("/a%2fb")).as("rejected by the normalizer (400 upstream of the"
                + " limiter): compared as sent").isEqualTo("/a%2fb");
        assertThat(Matching.normalizePath("/a?x=1")).isEqualTo("/a");
        assertThat(Matching.normalizePath("")).isEqualTo("/");
        assertThat(Matching.normalizePath("/a/..")).isEqualTo("/");
        assertThat(Matching.normalizePath("/100%")).isEqualTo("/100%");
    }

    @Test
    void theContentKeyIgnoresLayoutButNotContent() {
        MeshSnapshot a = snapshot(lrl("k", "tokenBucket: {maxTokens: 3, fillInterval: 1s}"));
        MeshSnapshot b = snapshot(lrl("k", "tokenBucket: {fillInterval: 1000ms, maxTokens: 3, tokensPerFill: 1}"));
        MeshSnapshot c = snapshot(lrl("k", "tokenBucket: {maxTokens: 3, fillInterval: 2s}"));
        MeshSnapshot d = snapshot(lrl("k2", "tokenBucket: {maxTokens: 3, fillInterval: 1s}"));
        String ka = Policy.key(a.localRateLimits().forWorkload("shop", FRONTEND).workload().get(0));
        assertThat(Policy.key(b.localRateLimits().forWorkload("shop", FRONTEND).workload().get(0))).isEqualTo(ka);
        assertThat(Policy.key(c.localRateLimits().forWorkload("shop", FRONTEND).workload().get(0))).isNotEqualTo(ka);
        assertThat(Policy.key(d.localRateLimits().forWorkload("shop", FRONTEND).workload().get(0))).isNotEqualTo(ka);
    }

    int drain(LocalRateLimiter l, int max) {
        return drain(l, max, null);
    }

    int drain(LocalRateLimiter l, int max, String principal) {
        int allowed = 0;
        for (int i = 0; i < max; i++) {
            if (l.check(get(), principal).allowed()) {
                allowed++;
            }
        }
        return allowed;
    }

    record Req(String method, String path) implements InboundRequest {
        @Override
        public String host() {
            return "frontend.shop.svc.cluster.local";
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            return null;
        }

        @Override
        public List<String> headers(String lowerCaseName) {
            return List.of();
        }

        @Override
        public String queryParameter(String name) {
            return null;
        }

        @Override
        public SpiffeId peer() {
            return null;
        }

        @Override
        public String sourceIp() {
            return "10.0.0.1";
        }

        @Override
        public String destinationIp() {
            return "10.0.0.2";
        }

        @Override
        public int destinationPort() {
            return 8080;
        }

        @Override
        public String sni() {
            return null;
        }
    }
}

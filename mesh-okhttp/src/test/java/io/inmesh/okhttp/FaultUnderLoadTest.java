package io.inmesh.okhttp;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.traffic.DestinationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under load through the OkHttp client (issue 9, "Fault and load tests"): an endpoint killed mid-load, a slow
 * endpoint, configuration flapping between a valid and an invalid file. Real loopback servers, a handful of caller
 * threads, bounded counts and hard timeouts; the assertions are on counts and states, never on latencies (apart from
 * an upper bound with generous slack where a bound is the point). Each test prints one {@code FAULT ...} line with its
 * figures for RELIABILITY.md.
 */
class FaultUnderLoadTest extends MeshTestSupport {
    private static final String HOST = "reviews";
    private static final String FQDN = "reviews.default.svc.cluster.local";

    /** Every try the mesh sends, counted after the mesh's interceptor (connect failures included). */
    static final class TryCounter implements Interceptor {
        final AtomicInteger tries = new AtomicInteger();
        final AtomicInteger connectFailures = new AtomicInteger();
        final AtomicInteger timeouts = new AtomicInteger();
        final AtomicInteger otherFailures = new AtomicInteger();

        @Override
        public Response intercept(Chain chain) throws IOException {
            tries.incrementAndGet();
            try {
                return chain.proceed(chain.request());
            } catch (ConnectException e) {
                connectFailures.incrementAndGet();
                throw e;
            } catch (SocketTimeoutException e) {
                timeouts.incrementAndGet();
                throw e;
            } catch (IOException e) {
                otherFailures.incrementAndGet();
                throw e;
            }
        }
    }

    /** Caller threads sending requests until stopped or until each has sent its quota. */
    static final class Load {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicLong maxCallNanos = new AtomicLong();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stop;

        /** What one request does; returns null when it succeeded, else a description of the failure. */
        interface Call {
            String run() throws IOException;
        }

        Load(int threads, int quota, Call call) {
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> {
                    for (int n = 0; !stop && (quota == 0 || n < quota); n++) {
                        sent.incrementAndGet();
                        long start = System.nanoTime();
                        String failure;
                        try {
                            failure = call.run();
                        } catch (IOException | RuntimeException e) {
                            failure = "exception: " + e;
                        }
                        maxCallNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                        if (failure != null) {
                            failed.incrementAndGet();
                            if (failures.size() < 20) {
                                failures.add(failure);
                            }
                        }
                        completed.incrementAndGet();
                    }
                }, "fault-load-" + i);
                t.setDaemon(true);
                this.threads.add(t);
            }
        }

        Load start() {
            threads.forEach(Thread::start);
            return this;
        }

        /** Waits for every caller to finish (after {@link #stop} or its quota); true when all did within the bound. */
        boolean join(Duration bound) throws InterruptedException {
            long end = System.nanoTime() + bound.toNanos();
            for (Thread t : threads) {
                t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
            return threads.stream().noneMatch(Thread::isAlive);
        }

        /** Stops the callers and waits for them; on a timeout they are interrupted and the test fails. */
        void stopAndJoin() throws InterruptedException {
            stop = true;
            boolean done = join(Duration.ofSeconds(15));
            if (!done) {
                threads.forEach(Thread::interrupt);
            }
            assertThat(done).as("every caller thread finished").isTrue();
        }
    }

    private static DestinationStatus.EndpointStatus endpoint(Mesh mesh, int port) {
        for (DestinationStatus d : mesh.destinations()) {
            if (d.host().equals(FQDN)) {
                for (DestinationStatus.EndpointStatus e : d.endpoints()) {
                    if (e.port() == port) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    private static boolean ejected(Mesh mesh, int port) {
        DestinationStatus.EndpointStatus e = endpoint(mesh, port);
        return e != null && e.ejected();
    }

    private static long sum(MeterRegistry registry, String name) {
        return (long) registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    private Mesh meshWithMetrics(MeterRegistry registry, String... yaml) throws Exception {
        return mesh(Mesh.builder().telemetry(MeshTelemetry.builder().openTelemetry(OpenTelemetry.noop())
                .meterRegistry(registry).build()), yaml);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Timeout(value = 60, unit = SECONDS)
    void anEndpointKilledMidLoadIsRetriedAroundEjectedAndReturnsWhenHealthy() throws Exception {
        Backends b = backends("v1", "v2");
        b.add("v3", Backends.freePortBelowEphemeralRange());
        for (Backends.Backend be : b.byVersion.values()) {
            // a little service time: requests are in flight when the endpoint dies, and 8 callers do not eat 2 cores
            be.answer = r -> new MockResponse.Builder().code(200).setHeader("x-backend", be.version).body(be.version)
                    .headersDelay(2, MILLISECONDS).build();
        }
        Backends.Backend victim = b.get("v3");
        int victimPort = victim.port();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Mesh mesh = meshWithMetrics(registry, b.serviceEntry(HOST), b.destinationRule(HOST, """
                outlierDetection:
                  consecutiveGatewayErrors: 1
                  interval: 1s
                  baseEjectionTime: 1s
                  maxEjectionPercent: 34
                """), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - timeout: 10s
                    retries: {attempts: 3, retryOn: "connect-failure,reset,503", retryIgnorePreviousHosts: true}
                    route: [{destination: {host: reviews}}]
                """);
        // maxEjectionPercent 34 of 3 endpoints: one may be ejected, never two (Envoy: 100 x (ejected + 1) / 3 <= 34)
        TryCounter tries = new TryCounter();
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder(), mesh).addInterceptor(tries).build();

        AtomicInteger cutAfterHeaders = new AtomicInteger();
        AtomicInteger replacementServed = new AtomicInteger();
        Load load = new Load(8, 0, () -> {
            try (Response r = get(client, "http://reviews:9080/")) {
                String backend = r.header("x-backend");
                String body;
                try {
                    body = r.body().string();
                } catch (IOException e) {
                    if ("v3".equals(backend)) {
                        // the head came from the endpoint that was killed, the body was cut: the mesh handed the
                        // response to the application already and cannot retry it (neither can Envoy)
                        cutAfterHeaders.incrementAndGet();
                    }
                    return "body of " + backend + " cut: " + e;
                }
                if (r.code() != 200) {
                    return r.code() + " " + r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER) + " " + body;
                }
                if ("v3b".equals(backend)) {
                    replacementServed.incrementAndGet();
                }
                return null;
            }
        });
        Backends.Backend replacement = null;
        try {
            load.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> b.total() >= 300);

            // kill v3 while requests wait for their response heads on it (kept-alive connections)
            AtomicInteger parked = new AtomicInteger();
            victim.answer = r -> {
                parked.incrementAndGet();
                return new MockResponse.Builder().code(200).setHeader("x-backend", "v3").body("v3")
                        .headersDelay(300, MILLISECONDS).build();
            };
            await().atMost(Duration.ofSeconds(10)).until(() -> parked.get() >= 1);
            victim.server.close(); // closes the listening socket and every accepted connection
            int sentAtKill = load.sent.get();

            await().atMost(Duration.ofSeconds(10)).until(() -> ejected(mesh, victimPort));
            int othersAtEjection = b.get("v1").count.get() + b.get("v2").count.get();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> b.get("v1").count.get() + b.get("v2").count.get() >= othersAtEjection + 300);
            assertThat(load.sent.get()).as("requests kept flowing after the kill").isGreaterThan(sentAtKill);

            // the endpoint comes back on the same port: traffic reaches it once its ejection has ended
            replacement = new Backends.Backend("v3b", victimPort);
            Backends.Backend rb = replacement;
            rb.answer = r -> new MockResponse.Builder().code(200).setHeader("x-backend", "v3b").body("v3b")
                    .headersDelay(2, MILLISECONDS).build();
            await().atMost(Duration.ofSeconds(30)).until(() -> replacementServed.get() >= 50);
        } finally {
            load.stopAndJoin();
            if (replacement != null) {
                replacement.server.close();
            }
        }

        int calls = load.sent.get();
        int retried = tries.tries.get() - calls;
        long ejections = sum(registry, "inmesh.outlier.ejections");
        System.out.printf("FAULT endpoint-killed: sent=%d failed=%d retried=%d ejected=%d"
                        + " (tries=%d connect-failures=%d resets=%d cut-after-headers=%d served-by-replacement=%d)%n",
                calls, load.failed.get(), retried, ejections, tries.tries.get(), tries.connectFailures.get(),
                tries.otherFailures.get(), cutAfterHeaders.get(), replacementServed.get());
        // retries on connect-failure and reset, never to the same endpoint twice, three endpoints: every request whose
        // try met the dead endpoint before its response head is retried on a live one. The only failure the policy
        // allows is a response whose head had reached the application when the connection died (no retry after
        // that); each of the 8 callers can have at most one such response in flight at the kill.
        assertThat(load.failed.get()).as("failures: %s", load.failures).isEqualTo(cutAfterHeaders.get());
        assertThat(cutAfterHeaders.get()).isLessThanOrEqualTo(8);
        assertThat(ejections).as("the dead endpoint was ejected").isGreaterThanOrEqualTo(1);
        assertThat(retried).as("requests in flight on the dead endpoint and connect failures were retried")
                .isGreaterThanOrEqualTo(1);
        assertThat(replacementServed.get()).isGreaterThanOrEqualTo(50);
        assertThat(endpoint(mesh, b.get("v1").port()).ejected()).as("live endpoints are never ejected").isFalse();
        assertThat(endpoint(mesh, b.get("v2").port()).ejected()).isFalse();
    }
    @Test
    @Timeout(value = 60, unit = SECONDS)
    void aSlowEndpointCostsPerTryTimeoutsUntilEjectedAndStarvesNoCaller() throws Exception {
        Backends b = backends("v1", "v2", "v3");
        for (Backends.Backend be : b.byVersion.values()) {
            be.answer = r -> new MockResponse.Builder().code(200).setHeader("x-backend", be.version).body(be.version)
                    .headersDelay(1, MILLISECONDS).build();
        }
        // v3 holds every request it gets, and its connection, until the end of the test (at most 20 s)
        Backends.Backend slow = b.get("v3");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        slow.answer = r -> {
            held.incrementAndGet();
            try {
                release.await(20, SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            held.decrementAndGet();
            return new MockResponse.Builder().code(200).setHeader("x-backend", "v3").body("v3").build();
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // A per-try timeout is a local-origin failure: outlier detection counts it as a gateway error (and a 5xx), as
        // Envoy does with split_external_local_origin_errors off (OutlierDetector, MeshCall.onFailure). Two in a row
        // eject v3 for 30 s, longer than the test; maxEjectionPercent 34 lets one of the three go, never two.
        Mesh mesh = meshWithMetrics(registry, b.serviceEntry(HOST), b.destinationRule(HOST, """
                outlierDetection:
                  consecutiveGatewayErrors: 2
                  consecutive5xxErrors: 0
                  interval: 1s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 34
                """), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - timeout: 3s
                    retries: {attempts: 2, perTryTimeout: 400ms, retryOn: "gateway-error,connect-failure,reset"}
                    route: [{destination: {host: reviews}}]
                """);
        TryCounter tries = new TryCounter();
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder(), mesh).addInterceptor(tries).build();

        int threads = 8;
        int quota = 60;
        Load load = new Load(threads, quota, () -> {
            try (Response r = get(client, "http://reviews:9080/")) {
                String body = r.body().string();
                return r.code() == 200 ? null
                        : r.code() + " " + r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER) + " " + body;
            }
        });
        int slowAtEjection;
        boolean allDone;
        try {
            load.start();
            // while v3 holds connections, calls keep completing on every caller thread's pool of endpoints
            await().atMost(Duration.ofSeconds(20)).until(() -> held.get() >= 1);
            int completedWhileHeld = load.completed.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.completed.get() >= completedWhileHeld + 2 * threads
                    || load.completed.get() == threads * quota);
            assertThat(held.get()).as("v3 still holds its requests").isGreaterThanOrEqualTo(1);

            await().atMost(Duration.ofSeconds(20)).until(() -> ejected(mesh, slow.port()));
            slowAtEjection = slow.count.get();
            // every caller finishes its quota: no thread is stuck behind the slow endpoint
            allDone = load.join(Duration.ofSeconds(40));
        } finally {
            release.countDown();
            load.stopAndJoin();
        }
        assertThat(allDone).as("all %d callers completed their %d calls", threads, quota).isTrue();

        int calls = load.sent.get();
        long ejections = sum(registry, "inmesh.outlier.ejections");
        System.out.printf("FAULT slow-endpoint: sent=%d failed=%d timed-out-tries=%d ejected=%d"
                        + " (tries=%d retried=%d at-slow-endpoint=%d max-call-ms=%d)%n",
                calls, load.failed.get(), tries.timeouts.get(), ejections, tries.tries.get(),
                tries.tries.get() - calls, slow.count.get(), load.maxCallNanos.get() / 1_000_000);
        assertThat(calls).isEqualTo(threads * quota);
        // a call whose try waits on v3 times out after 400 ms and is retried on another endpoint (previous hosts
        // avoided), well within the route's 3 s: none fails
        assertThat(load.failed.get()).as("failures: %s", load.failures).isZero();
        assertThat(load.maxCallNanos.get()).as("no call outlives the route timeout (3 s) plus slack")
                .isLessThan(Duration.ofSeconds(3 + 3).toNanos());
        assertThat(tries.timeouts.get()).as("tries that met v3 timed out").isGreaterThanOrEqualTo(2);
        assertThat(ejections).isEqualTo(1);
        assertThat(ejected(mesh, slow.port())).isTrue();
        // once ejected, v3 gets no new try: only those already on their way (one per caller at most) may reach it
        assertThat(slow.count.get() - slowAtEjection).isLessThanOrEqualTo(threads);
        assertThat(endpoint(mesh, b.get("v1").port()).ejected()).isFalse();
        assertThat(endpoint(mesh, b.get("v2").port()).ejected()).isFalse();
    }
    /** The VirtualService of a valid version: everything to {@code subset}, responses tagged {@code x-config: tag}. */
    private static String routeTo(String subset, String tag) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - headers: {response: {set: {x-config: %s}}}
                    route: [{destination: {host: reviews, subset: %s}}]
                """.formatted(tag, subset);
    }

    /**
     * The invalid versions, each of which would send everything to v3 tagged {@code bad} if it were applied: a
     * validation error (negative weight), a YAML syntax error (unclosed flow mapping), an unknown field (a typo).
     */
    private static final String[] INVALID = {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - headers: {response: {set: {x-config: bad}}}
            route: [{destination: {host: reviews, subset: v3}, weight: -1}]
        """,
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - headers: {response: {set: {x-config: bad}}}
            route: [{destination: {host: reviews, subset: v3}]
        """,
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - headers: {response: {set: {x-config: bad}}}
            route: [{destination: {host: reviews, subset: v3}}]
            timout: 1s
        """,
    };

    @Test
    @Timeout(value = 60, unit = SECONDS)
    void configFlappingUnderLoadNeverServesAnInvalidVersionAndCountsEachRejection(@TempDir Path dir)
            throws Exception {
        Backends b = backends("v1", "v2", "v3");
        for (Backends.Backend be : b.byVersion.values()) {
            be.answer = r -> new MockResponse.Builder().code(200).body(be.version).headersDelay(1, MILLISECONDS)
                    .build();
        }
        String common = b.serviceEntry(HOST) + "---\n" + b.destinationRule(HOST, null) + "---\n";
        String validA = common + routeTo("v1", "a");
        String validB = common + routeTo("v2", "b");
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path file = confDir.resolve("mesh.yaml");
        AtomicInteger writeNo = new AtomicInteger();
        // each version replaces the file in one rename, as kubelet, editors and mv do: the watcher never reads half
        ThrowingWriter write = content -> {
            Path tmp = staging.resolve("v" + writeNo.incrementAndGet() + ".yaml");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        };
        write.write(validA);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Mesh mesh = Mesh.builder().workload(Workload.of("default")).config(ConfigSources.file(file))
                .telemetry(MeshTelemetry.builder().openTelemetry(OpenTelemetry.noop()).meterRegistry(registry).build())
                .build();
        closeables.add(mesh);
        AtomicInteger applied = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger unchanged = new AtomicInteger();
        Set<String> versionsServed = ConcurrentHashMap.newKeySet();
        versionsServed.add(mesh.config().current().version());
        closeables.add(mesh.config().addListener(s -> versionsServed.add(s.version())));
        closeables.add(mesh.config().addUpdateListener(u -> {
            if (u instanceof ConfigUpdate.Applied) {
                applied.incrementAndGet();
            } else if (u instanceof ConfigUpdate.Rejected) {
                rejected.incrementAndGet();
            } else {
                unchanged.incrementAndGet();
            }
        }));
        OkHttpClient client = MeshOkHttp.newClient(mesh);

        AtomicInteger seenA = new AtomicInteger();
        AtomicInteger seenB = new AtomicInteger();
        Load load = new Load(6, 0, () -> {
            try (Response r = get(client, "http://reviews:9080/")) {
                String body = r.body().string();
                String tag = r.header("x-config");
                if (r.code() == 200 && "v1".equals(body) && "a".equals(tag)) {
                    seenA.incrementAndGet();
                    return null;
                }
                if (r.code() == 200 && "v2".equals(body) && "b".equals(tag)) {
                    seenB.incrementAndGet();
                    return null;
                }
                return r.code() + " body=" + body + " x-config=" + tag;
            }
        });
        int writes = 100;
        int invalidWrites = 0;
        int validWrites = 0;
        try {
            load.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.completed.get() >= 50);
            for (int i = 0; i < writes; i++) {
                if (i % 2 == 0) {
                    write.write(common + INVALID[(i / 2) % INVALID.length]);
                    invalidWrites++;
                } else {
                    write.write((i / 2) % 2 == 0 ? validB : validA);
                    validWrites++;
                }
                // each write is seen before the next, so that no two coalesce in the watcher's debounce
                int expected = invalidWrites + validWrites;
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                        .until(() -> applied.get() + rejected.get() + unchanged.get() >= expected);
                assertThat(rejected.get()).as("rejections after write %d", i + 1).isEqualTo(invalidWrites);
                assertThat(applied.get()).as("swaps after write %d", i + 1).isEqualTo(validWrites);
                // requests flow under every version
                int before = load.completed.get();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> load.completed.get() > before);
            }
        } finally {
            load.stopAndJoin();
        }

        long rejectedMetric = (long) registry.get("inmesh.config.reloads").tag("result", "rejected").counter().count();
        System.out.printf("FAULT config-flapping: writes=%d rejected=%d requests=%d failed=%d"
                        + " (applied=%d unchanged=%d served-a=%d served-b=%d)%n",
                writes, rejected.get(), load.sent.get(), load.failed.get(), applied.get(), unchanged.get(),
                seenA.get(), seenB.get());
        assertThat(load.failed.get()).as("failures: %s", load.failures).isZero();
        assertThat(b.get("v3").count.get()).as("no request was routed by an invalid version").isZero();
        assertThat(rejected.get()).isEqualTo(invalidWrites).isEqualTo(writes / 2);
        assertThat(rejectedMetric).as("inmesh.config.reloads{result=rejected}").isEqualTo(invalidWrites);
        assertThat(applied.get()).isEqualTo(validWrites);
        assertThat(unchanged.get()).isZero();
        assertThat(versionsServed).as("only the two valid versions were ever swapped in").hasSize(2);
        assertThat(mesh.config().lastRejection()).isPresent();
        assertThat(seenA.get()).isPositive();
        assertThat(seenB.get()).isPositive();
    }

    interface ThrowingWriter {
        void write(String content) throws IOException;
    }
}

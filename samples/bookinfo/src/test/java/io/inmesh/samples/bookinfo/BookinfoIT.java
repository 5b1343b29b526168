package io.inmesh.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo as a newcomer runs it: samples/bookinfo/run.sh (without its live view) on the demo's ports, the packaged
 * jar, six JVMs, and the walkthrough of samples/bookinfo/README.md: each Istio task's file from samples/bookinfo/tasks
 * copied into the watched mesh configuration directory (a copy of samples/bookinfo/mesh), and what a user then sees.
 */
class BookinfoIT {
    static final Path HOME = Path.of(System.getProperty("bookinfo.home", "samples/bookinfo"));
    static final Path WORK = Path.of(System.getProperty("bookinfo.work", "samples/bookinfo/target/it"));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Path config;
    static Process demo;
    static final StringBuffer output = new StringBuffer();
    static Thread reader;

    @BeforeAll
    static void startTheDemo() throws Exception {
        config = WORK.resolve("mesh");
        deleteTree(WORK);
        Files.createDirectories(config);
        try (Stream<Path> files = Files.list(HOME.resolve("mesh"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve(f.getFileName()));
            }
        }
        ProcessBuilder pb = new ProcessBuilder("bash", HOME.resolve("run.sh").toString()).redirectErrorStream(true);
        pb.environment().put("MESH_CONFIG_DIR", config.toString());
        pb.environment().put("BOOKINFO_STATE_DIR", WORK.resolve("state").toString());
        pb.environment().put("BOOKINFO_VIEW", "off");
        pb.environment().put("BOOKINFO_SKIP_BUILD", "1");
        demo = pb.start();
        // a test JVM that is stopped or killed must not leave the demo running on its fixed ports
        Process started = demo;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        }));
        BufferedReader lines = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                StandardCharsets.UTF_8));
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        reader = new Thread(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (line.equals("bookinfo: ready")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the demo stopped
            }
            ready.complete(false);
        }, "bookinfo-output");
        reader.setDaemon(true);
        reader.start();
        boolean up = ready.get(300, TimeUnit.SECONDS);
        assertThat(up).as("run.sh says ready; its output:\n%s", output).isTrue();
    }

    @AfterAll
    static void stopTheDemo() throws Exception {
        if (demo == null) {
            return;
        }
        List<ProcessHandle> services = demo.descendants().toList();
        try {
            // SIGTERM, as Ctrl-C or kill would: run.sh's trap stops the services. Through the handle: Process.destroy()
            // would also close our end of its output, which it still writes to while stopping
            demo.toHandle().destroy();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("run.sh exits; its output:\n%s", output).isTrue();
            for (ProcessHandle s : services) {
                s.onExit().get(60, TimeUnit.SECONDS);
            }
            reader.join(10_000);
            assertThat(output.toString()).contains("bookinfo: stopping 6 processes");
        } finally {
            Files.writeString(WORK.resolve("run.sh.out"), output);
            services.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** Every test leaves the configuration as run.sh started with it. */
    @AfterEach
    void restoreTheConfiguration() throws IOException {
        try (Stream<Path> files = Files.list(config)) {
            for (Path f : files.toList()) {
                if (!Files.exists(HOME.resolve("mesh").resolve(f.getFileName()))) {
                    Files.delete(f);
                }
            }
        }
        for (String name : List.of("destination-rule-details.yaml", "peer-authentication.yaml")) {
            apply(HOME.resolve("mesh").resolve(name), name);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(page(null).path("reviews")
                .has("version")).isTrue());
    }

    static void apply(String task) throws IOException {
        apply(HOME.resolve("tasks").resolve(task), task);
    }

    static void apply(Path from, String as) throws IOException {
        Path tmp = WORK.resolve(as + ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, config.resolve(as), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static HttpResponse<String> get(String url, String user, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15));
        if (user != null) {
            b.header("end-user", user);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode page(String user) throws Exception {
        HttpResponse<String> r = get("http://127.0.0.1:9080/productpage", user, "application/json");
        assertThat(r.statusCode()).as("product page status; body %s", r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static String version(JsonNode page) {
        return page.path("reviews").path("version").asString();
    }

    @Test
    void theProductPageShowsDetailsAndReviewsOfEveryVersion() throws Exception {
        Set<String> versions = new HashSet<>();
        for (int i = 0; i < 30 && versions.size() < 3; i++) {
            JsonNode p = page(null);
            assertThat(p.path("details").path("author").asString()).isEqualTo("William Shakespeare");
            String v = version(p);
            versions.add(v);
            JsonNode stars = p.path("reviews").path("stars");
            if (v.equals("v1")) {
                assertThat(stars.isNull()).as("v1 shows no ratings").isTrue();
            } else {
                assertThat(stars.asInt()).as("%s: Reviewer1's stars, from ratings over mTLS", v).isEqualTo(5);
                assertThat(p.path("reviews").path("color").asString()).isEqualTo(v.equals("v2") ? "black" : "red");
            }
        }
        assertThat(versions).containsExactlyInAnyOrder("v1", "v2", "v3");
        HttpResponse<String> html = get("http://127.0.0.1:9080/productpage", null, null);
        assertThat(html.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/html"));
        assertThat(html.body()).contains("The Comedy of Errors").contains("Book Reviews");
    }

    @Test
    void requestRoutingSendsJasonToV2AndEveryoneElseToV1() throws Exception {
        apply("virtual-service-reviews-test-v2.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < 5; i++) {
                assertThat(version(page("jason"))).isEqualTo("v2");
                assertThat(version(page(null))).isEqualTo("v1");
            }
        });
        HttpResponse<String> viaQuery = get("http://127.0.0.1:9080/productpage?u=jason", null, "application/json");
        assertThat(version(JSON.readTree(viaQuery.body()))).isEqualTo("v2");
    }

    @Test
    void trafficShiftsToV3() throws Exception {
        apply("virtual-service-reviews-v3.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < 10; i++) {
                JsonNode p = page(null);
                assertThat(version(p)).isEqualTo("v3");
                assertThat(p.path("reviews").path("color").asString()).isEqualTo("red");
            }
        });
    }

    @Test
    void anAbortForJasonLeavesHisReviewsWithoutRatings() throws Exception {
        apply("virtual-service-reviews-test-v2.yaml");
        apply("virtual-service-ratings-test-abort.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode jason = page("jason");
            assertThat(version(jason)).isEqualTo("v2");
            assertThat(jason.path("reviews").path("ratingsError").asString())
                    .isEqualTo("Ratings service is currently unavailable");
        });
    }

    @Test
    void aDelayForJasonMakesTheProductPageGiveUpOnReviews() throws Exception {
        apply("virtual-service-reviews-test-v2.yaml");
        apply("virtual-service-ratings-test-delay.yaml");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long start = System.nanoTime();
            JsonNode jason = page("jason");
            assertThat(jason.path("reviews").path("error").asString())
                    .isEqualTo("Sorry, product reviews are currently unavailable for this book.");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the page waits its 3 s, not the 7 s delay")
                    .isLessThan(Duration.ofSeconds(6));
        });
        assertThat(page(null).path("reviews").path("stars").isNull()).as("everyone else: v1, at once").isTrue();
    }

    @Test
    void aRouteTimeoutCutsTheDelayedCallShort() throws Exception {
        apply("virtual-service-ratings-delay-2s.yaml");
        apply("virtual-service-reviews-v2-timeout.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long start = System.nanoTime();
            JsonNode p = page(null);
            assertThat(p.path("reviews").path("error").asString())
                    .isEqualTo("Sorry, product reviews are currently unavailable for this book.");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1900));
        });
    }

    @Test
    void circuitBreakingOverflowsConcurrentCallsToDetails() throws Exception {
        apply(HOME.resolve("tasks/destination-rule-details-circuit-breaker.yaml"), "destination-rule-details.yaml");
        Thread.sleep(1500);
        int unavailable = 0;
        for (int round = 0; round < 5 && unavailable == 0; round++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9080/productpage"))
                        .header("Accept", "application/json").timeout(Duration.ofSeconds(15)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                if (JSON.readTree(c.get().body()).path("details").has("error")) {
                    unavailable++;
                }
            }
        }
        assertThat(unavailable).as("some of 30 concurrent page loads find details' pool full").isPositive();
        double overflows = 0;
        for (String line : get("http://127.0.0.1:10080/actuator/prometheus", null, null).body().split("\n")) {
            if (line.startsWith("inmesh_connection_pool_overflows_total{")
                    && line.contains("details.default.svc.cluster.local")) {
                overflows += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        assertThat(overflows).as("the product page's mesh counted overflows (UO) to details").isPositive();
    }

    @Test
    void mirroringCopiesEveryRequestToV2WhileV1Answers() throws Exception {
        apply("virtual-service-reviews-mirror-v2.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(version(page(null))).isEqualTo("v1"));
        double before = requestsServed(10084);
        for (int i = 0; i < 10; i++) {
            assertThat(version(page(null))).isEqualTo("v1");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(requestsServed(10084) - before).as("reviews v2 got the copies").isGreaterThanOrEqualTo(10));
    }

    /** The sum of istio_requests_total{reporter="destination"} of the service whose actuator is on this port. */
    static double requestsServed(int managementPort) throws Exception {
        double sum = 0;
        for (String line : get("http://127.0.0.1:" + managementPort + "/actuator/prometheus", null, null).body()
                .split("\n")) {
            if (line.startsWith("istio_requests_total{") && line.contains("reporter=\"destination\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void authorizationAllowsNothingThenTheBookinfoViewers() throws Exception {
        apply("authorization-allow-nothing.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> r = get("http://127.0.0.1:9080/productpage", null, "application/json");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("RBAC: access denied");
        });
        apply("authorization-bookinfo-viewers.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode p = page(null);
            assertThat(p.path("details").has("author")).isTrue();
            assertThat(p.path("reviews").has("version")).isTrue();
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode p = page(null);
            if (!version(p).equals("v1")) {
                assertThat(p.path("reviews").path("stars").asInt()).as("reviews may read ratings").isEqualTo(5);
            }
        });
    }

    @Test
    void ratingsRefusesPlaintextUnderStrictAndTakesItWhenPermissive() throws Exception {
        HttpResponse<String> strict = get("http://127.0.0.1:9082/ratings/0", null, null);
        assertThat(strict.statusCode()).isEqualTo(403);
        apply("peer-authentication-ratings-permissive.yaml");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> r = get("http://127.0.0.1:9082/ratings/0", null, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"Reviewer1\":5");
        });
        JsonNode report = JSON.readTree(get("http://127.0.0.1:10082/actuator/mesh", null, null).body());
        assertThat(report.path("policies").path("mtlsMode").asString()).isEqualTo("PERMISSIVE");
        assertThat(report.path("certificate").path("spiffeId").asString())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-ratings");
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

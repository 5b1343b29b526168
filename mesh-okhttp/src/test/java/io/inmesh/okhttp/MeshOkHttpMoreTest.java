package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

class MeshOkHttpMoreTest extends MeshTestSupport {

    @Test
    void routesThroughMeshTellsMeshClientsFromPlainOnes() throws Exception {
        Mesh mesh = mesh();
        OkHttpClient meshClient = MeshOkHttp.newClient(mesh);
        assertThat(MeshOkHttp.routesThroughMesh(meshClient)).isTrue();
        assertThat(MeshOkHttp.routesThroughMesh(meshClient.newBuilder().readTimeout(Duration.ofSeconds(3)).build()))
                .as("derived with newBuilder()").isTrue();
        assertThat(MeshOkHttp.routesThroughMesh(MeshOkHttp.configure(new OkHttpClient.Builder(), mesh).build()))
                .isTrue();
        assertThat(MeshOkHttp.routesThroughMesh(new OkHttpClient())).isFalse();
        assertThat(MeshOkHttp.routesThroughMesh(new OkHttpClient.Builder()
                .addInterceptor(chain -> chain.proceed(chain.request())).build())).isFalse();
    }

    @Test
    void asynchronousCallsAreRoutedAndRetriedLikeSynchronousOnes() throws Exception {
        try (Backends b = new Backends("v1", "v2")) {
            b.get("v1").answer = r -> new MockResponse.Builder().code(503).build();
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default")).random(new Random(1))
                    .configFiles(files(b.serviceEntry("reviews"), b.destinationRule("reviews", null), """
                            apiVersion: networking.istio.io/v1
                            kind: VirtualService
                            metadata: {name: reviews}
                            spec:
                              hosts: [reviews]
                              http:
                              - retries: {attempts: 5, retryOn: "503"}
                                route: [{destination: {host: reviews}}]
                            """)).build()) {
                OkHttpClient client = MeshOkHttp.newClient(mesh);
                for (int i = 0; i < 10; i++) {
                    CompletableFuture<String> f = new CompletableFuture<>();
                    client.newCall(new Request.Builder().url("http://reviews:9080/").build()).enqueue(new Callback() {
                        @Override
                        public void onFailure(Call call, IOException e) {
                            f.completeExceptionally(e);
                        }

                        @Override
                        public void onResponse(Call call, Response response) throws IOException {
                            try (response) {
                                f.complete(response.code() + " " + response.body().string());
                            }
                        }
                    });
                    assertThat(f.get(10, TimeUnit.SECONDS)).as("503 from v1 is retried onto v2").isEqualTo("200 v2");
                }
            }
        }
    }

    @Test
    void aOneShotBodyIsNeverReplayed() throws Exception {
        try (Backends b = new Backends("v1")) {
            b.get("v1").answer = r -> new MockResponse.Builder().code(503).build();
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                    .configFiles(files(b.serviceEntry("reviews"), """
                            apiVersion: networking.istio.io/v1
                            kind: VirtualService
                            metadata: {name: reviews}
                            spec:
                              hosts: [reviews]
                              http:
                              - retries: {attempts: 3, retryOn: "5xx"}
                                route: [{destination: {host: reviews}}]
                            """)).build()) {
                OkHttpClient client = MeshOkHttp.newClient(mesh);
                RequestBody oneShot = new RequestBody() {
                    @Override
                    public MediaType contentType() {
                        return MediaType.get("text/plain");
                    }

                    @Override
                    public void writeTo(BufferedSink sink) throws IOException {
                        sink.writeUtf8("once");
                    }

                    @Override
                    public boolean isOneShot() {
                        return true;
                    }
                };
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/")
                        .post(oneShot).build()).execute()) {
                    assertThat(r.code()).isEqualTo(503);
                }
                assertThat(b.get("v1").count.get()).isEqualTo(1);
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/")
                        .post(RequestBody.create("again", MediaType.get("text/plain"))).build()).execute()) {
                    assertThat(r.code()).isEqualTo(503);
                }
                assertThat(b.get("v1").count.get()).as("a replayable body is retried").isEqualTo(5);
                assertThat(b.get("v1").requests.get(4).getBody().utf8()).isEqualTo("again");
            }
        }
    }

    @Test
    void aCookieHashPinsTheClientAfterTheGeneratedCookie() throws Exception {
        try (Backends b = new Backends("a", "b", "c", "d")) {
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                    .configFiles(files(b.serviceEntry("reviews"), b.destinationRule("reviews", """
                            loadBalancer:
                              consistentHash:
                                httpCookie: {name: affinity, path: /, ttl: 60s}
                            """))).build()) {
                OkHttpClient client = MeshOkHttp.newClient(mesh);
                String cookie;
                String first;
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
                    first = r.body().string();
                    cookie = r.header("Set-Cookie");
                }
                assertThat(cookie).startsWith("affinity=").contains("Max-Age=60").contains("Path=/");
                String value = cookie.substring(0, cookie.indexOf(';'));
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 40; i++) {
                    try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/")
                            .header("Cookie", value).build()).execute()) {
                        seen.add(r.body().string());
                        assertThat(r.header("Set-Cookie")).isNull();
                    }
                }
                assertThat(seen).containsExactly(first);
            }
        }
    }

    @Test
    void endpointStateSurvivesAReloadThatLeavesItsPolicyAlone() throws Exception {
        try (Backends b = new Backends("v1", "v2", "v3")) {
            b.get("v3").answer = r -> new MockResponse.Builder().code(500).build();
            String dr = b.destinationRule("reviews", """
                    loadBalancer: {simple: ROUND_ROBIN}
                    outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 60s, maxEjectionPercent: 100}
                    """);
            String unrelated = """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: other}
                    spec:
                      hosts: [other]
                      http:
                      - route: [{destination: {host: other}}]
                    """;
            AtomicLong now = new AtomicLong();
            ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
            assertThat(holder.update(files(b.serviceEntry("reviews"), dr))).isInstanceOf(ConfigUpdate.Applied.class);
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default")).configHolder(holder)
                    .nanoClock(now::get).build()) {
                OkHttpClient client = MeshOkHttp.newClient(mesh);
                for (int i = 0; i < 12; i++) {
                    client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute().close();
                }
                assertThat(b.get("v3").count.get()).isEqualTo(1);
                assertThat(holder.update(files(b.serviceEntry("reviews"), dr, unrelated)))
                        .isInstanceOf(ConfigUpdate.Applied.class);
                for (int i = 0; i < 12; i++) {
                    client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute().close();
                }
                assertThat(b.get("v3").count.get()).as("still ejected after an unrelated reload").isEqualTo(1);
                String changed = dr.replace("baseEjectionTime: 60s", "baseEjectionTime: 61s");
                assertThat(holder.update(files(b.serviceEntry("reviews"), changed, unrelated)))
                        .isInstanceOf(ConfigUpdate.Applied.class);
                for (int i = 0; i < 12; i++) {
                    client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute().close();
                }
                assertThat(b.get("v3").count.get()).as("a new policy starts with fresh state").isEqualTo(2);
                now.addAndGet(Duration.ofMinutes(5).toNanos());
            }
        }
    }

    @Test
    void connectionLifetimesFromTheDestinationRule() throws Exception {
        try (Backends b = new Backends("v1")) {
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                    .configFiles(files(b.serviceEntry("reviews"), b.serviceEntry("ratings")
                            .replace("name: ratings", "name: ratings-se"), b.destinationRule("reviews", """
                            connectionPool:
                              http: {maxRequestsPerConnection: 2}
                            """), b.destinationRule("ratings", """
                            connectionPool:
                              http: {idleTimeout: 100ms}
                            """))).build()) {
                OkHttpClient client = MeshOkHttp.newClient(mesh);
                for (int i = 0; i < 6; i++) {
                    client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute().close();
                }
                var requests = b.get("v1").requests;
                assertThat(requests.stream().map(r -> r.getConnectionIndex()).toList())
                        .as("two requests per connection").containsExactly(0, 0, 1, 1, 2, 2);

                client.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute().close();
                client.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute().close();
                Thread.sleep(1000); // well past the 100 ms idle timeout
                client.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute().close();
                assertThat(requests.subList(6, 9).stream().map(r -> r.getConnectionIndex()).toList())
                        .as("reused while fresh, closed once idle longer than idleTimeout").containsExactly(3, 3, 4);
            }
        }
    }

    @Test
    void okHttpsOwnRetryDoesNotMultiplyTries() throws Exception {
        try (Backends b = new Backends("v1")) {
            b.get("v1").answer = r -> new MockResponse.Builder().onResponseStart(
                    new mockwebserver3.SocketEffect.CloseSocket()).build();
            String vs = """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews}
                    spec:
                      hosts: [reviews]
                      http:
                      - match: [{uri: {prefix: /reset}}]
                        retries: {attempts: 2, retryOn: reset}
                        route: [{destination: {host: reviews}}]
                      - route: [{destination: {host: reviews}}]
                    """;
            try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                    .configFiles(files(b.serviceEntry("reviews"), vs)).build()) {
                OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder().retryOnConnectionFailure(true),
                        mesh).build();
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
                    assertThat(r.code()).isEqualTo(503);
                    assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("UC");
                }
                assertThat(b.get("v1").count.get()).as("the default policy does not retry a reset").isEqualTo(1);
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/reset").build())
                        .execute()) {
                    assertThat(r.code()).isEqualTo(503);
                    assertThat(r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER)).isEqualTo("URX,UC");
                }
                assertThat(b.get("v1").count.get()).as("1 + attempts, no more").isEqualTo(4);
            }
        }
    }
}

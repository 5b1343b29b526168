package io.inmesh.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigWatcher;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.traffic.DestinationShare;
import io.inmesh.traffic.SimpleRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigMapConfigSourceTest {
    static final String NS = "default";

    MockApi api;

    @BeforeEach
    void start() {
        api = new MockApi();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    static String routeTo(String subset) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: %s}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                  - {name: v3, labels: {version: v3}}
                """.formatted(subset);
    }

    static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withData(data).build();
    }

    void apply(ConfigMap cm) {
        api.client.configMaps().inNamespace(NS).resource(cm).createOr(c -> c.update());
    }

    static String subsetOf(Mesh mesh) {
        List<DestinationShare> d = mesh.route(SimpleRequest.of("GET", "http://reviews:9080/")).destinations();
        return d.isEmpty() ? null : d.get(0).subset();
    }

    ConfigMapConfigSource.Builder source() {
        return sourceOf(api);
    }

    static ConfigMapConfigSource.Builder sourceOf(MockApi api) {
        return ConfigMapConfigSource.builder(api.client).namespace(NS).name("mesh-config");
    }

    @Test
    void createUpdateAndDeleteOfTheConfigMapReachTheMesh() throws Exception {
        apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"), "notes.txt", "not config")));
        ConfigMapConfigSource source = source().build();
        try (Mesh mesh = Mesh.builder().workload(Workload.of(NS)).config(source).build()) {
            assertThat(subsetOf(mesh)).isEqualTo("v1");
            assertThat(source.read()).extracting(ConfigFile::name)
                    .containsExactly("configmap default/mesh-config key reviews.yaml");
            assertThat(source.lastSuccessfulSync()).isPresent();
            await().until(source::isWatching);

            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v2"))));
            await().until(() -> "v2".equals(subsetOf(mesh)));

            String version = mesh.config().current().version();
            api.client.configMaps().inNamespace(NS).withName("mesh-config").delete();
            await().untilAsserted(() -> assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("configmap default/mesh-config").hasMessageContaining("not found"));
            assertThat(mesh.config().current().version()).as("a deleted ConfigMap keeps the last good config")
                    .isEqualTo(version);
            assertThat(subsetOf(mesh)).isEqualTo("v2");

            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v3"))));
            await().until(() -> "v3".equals(subsetOf(mesh)));
        }
    }

    @Test
    void aDeletedConfigMapIsAReadErrorOfTheWatcherAndItsReturnIsApplied() throws Exception {
        apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"))));
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        try (ConfigWatcher watcher = ConfigWatcher.start(source().build(), holder)) {
            MeshSnapshot first = holder.current();
            api.client.configMaps().inNamespace(NS).withName("mesh-config").delete();
            await().until(() -> watcher.lastReadError().isPresent());
            assertThat(watcher.lastReadError().get()).isInstanceOf(NoSuchFileException.class);
            assertThat(holder.current()).isSameAs(first);

            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v2"))));
            await().until(() -> holder.current() != first);
            assertThat(watcher.lastReadError()).isEmpty();
        }
    }

    @Test
    void anInvalidUpdateIsRejectedAndTheLastGoodSnapshotKeepsServing() throws Exception {
        apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"))));
        try (Mesh mesh = Mesh.builder().workload(Workload.of(NS)).config(source().build()).build()) {
            MeshSnapshot good = mesh.config().current();
            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1").replace("subset: v1}",
                    "subset: v1}\n      weight: -5"))));
            await().until(() -> mesh.config().lastRejection().isPresent());
            List<Diagnostic> errors = mesh.config().lastRejection().get().errors();
            assertThat(errors).isNotEmpty();
            assertThat(errors.get(0).format()).contains("configmap default/mesh-config key reviews.yaml")
                    .contains("weight");
            assertThat(mesh.config().current()).isSameAs(good);
            assertThat(subsetOf(mesh)).isEqualTo("v1");
        }
    }

    @Test
    void neverValidConfigFailsStartUpWithDiagnosticsNamingTheConfigMapAndKey() {
        apply(configMap("mesh-config", Map.of("bad.yml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                + "metadata: {name: x}\nspec: {hosts: [x], htp: []}\n")));
        try (ConfigMapConfigSource source = source().build()) { // a failed build leaves the source to its creator
            assertThatThrownBy(() -> Mesh.builder().workload(Workload.of(NS)).config(source).build())
                    .hasMessageContaining("configmap default/mesh-config key bad.yml:4")
                    .hasMessageContaining("htp");
        }
    }

    @Test
    void tenRapidUpdatesCoalesceIntoFewReloads() throws Exception {
        apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"))));
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        List<String> swaps = new CopyOnWriteArrayList<>();
        holder.addListener(s -> swaps.add(s.version()));
        try (ConfigWatcher watcher = ConfigWatcher.start(source().quietPeriod(Duration.ofMillis(300)).build(),
                holder)) {
            swaps.clear();
            for (int i = 0; i < 10; i++) {
                apply(configMap("mesh-config", Map.of("reviews.yaml",
                        routeTo(i % 2 == 0 ? "v2" : "v3").replace("name: reviews\nspec", "name: reviews\n  labels: {n: \""
                                + i + "\"}\nspec"))));
            }
            // the holder serves the new snapshot before its listeners hear of it: wait for the listener too
            await().until(() -> holder.current().resources().stream()
                    .anyMatch(r -> r.metadata().labels() != null && "9".equals(r.metadata().labels().get("n")))
                    && swaps.contains(holder.current().version()));
            assertThat(swaps).as("10 updates within the quiet period").hasSizeBetween(1, 3);
        }
    }

    @Test
    void updatesThatChangeNoConfigFileCallNobody() throws Exception {
        apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"))));
        ConfigMapConfigSource source = source().quietPeriod(Duration.ZERO).build();
        try (source) {
            source.read();
            AtomicInteger calls = new AtomicInteger();
            source.watch(calls::incrementAndGet);
            long examined = source.examinedChanges();
            ConfigMap relabelled = configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"),
                    "README.md", "other keys are not config"));
            relabelled.getMetadata().setLabels(Map.of("team", "mesh"));
            apply(relabelled);
            await().until(() -> source.examinedChanges() > examined);
            assertThat(calls).as("labels and non-YAML keys are not config").hasValue(0);

            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v2"))));
            await().until(() -> calls.get() == 1);
        }
    }

    @Test
    void aLabelSelectorReadsEveryMatchingConfigMapSortedByName() throws Exception {
        ConfigMap a = configMap("b-routes", Map.of("reviews.yaml", routeTo("v1")));
        a.getMetadata().setLabels(Map.of("inmesh.io/config", "true"));
        ConfigMap b = configMap("a-policies", Map.of("z.yml", "# empty\n", "a.yaml", "# empty\n"));
        b.getMetadata().setLabels(Map.of("inmesh.io/config", "true"));
        apply(a);
        apply(b);
        apply(configMap("unrelated", Map.of("x.yaml", "not: [valid")));
        try (ConfigMapConfigSource source = ConfigMapConfigSource.selected(api.client, NS, "inmesh.io/config=true")) {
            assertThat(source.description()).contains("inmesh.io/config=true");
            assertThat(source.read()).extracting(ConfigFile::name).containsExactly(
                    "configmap default/a-policies key a.yaml", "configmap default/a-policies key z.yml",
                    "configmap default/b-routes key reviews.yaml");
            assertThat(new String(source.read().get(2).content(), StandardCharsets.UTF_8)).contains("subset: v1");
            await().until(source::isWatching); // closing while the watch is being set up stalls the mock server
        }
    }

    @Test
    void binaryDataKeysAreConfigFilesToo() throws IOException {
        ConfigMap cm = configMap("mesh-config", Map.of());
        cm.setBinaryData(Map.of("reviews.yaml", java.util.Base64.getEncoder().encodeToString(
                routeTo("v1").getBytes(StandardCharsets.UTF_8))));
        apply(cm);
        try (ConfigMapConfigSource source = source().build()) {
            assertThat(source.read()).singleElement().satisfies(f -> assertThat(
                    new String(f.content(), StandardCharsets.UTF_8)).isEqualTo(routeTo("v1")));
            await().until(source::isWatching);
        }
    }

    @Test
    void aForbiddenListFailsTheFirstReadNamingTheRbacToGrant() {
        api.refuse(p -> p.contains("/configmaps"), 403);
        try (ConfigMapConfigSource source = source().syncTimeout(Duration.ofMillis(500)).build()) {
            assertThatThrownBy(source::read).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("configmap default/mesh-config")
                    .hasMessageContaining("403")
                    .hasMessageContaining("get, list and watch on configmaps in namespace default");
            assertThat(source.lastSuccessfulSync()).isEmpty();
            assertThat(source.lastError()).get().asString().contains("403");

            api.accept();
            apply(configMap("mesh-config", Map.of("reviews.yaml", routeTo("v1"))));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(source.read()).hasSize(1));
            assertThat(source.lastError()).isEmpty();
            await().until(source::isWatching);
        }
    }

    @Test
    void theSampleConfigMapIsAValidMeshConfiguration() throws Exception {
        ConfigMap sample = api.client.configMaps()
                .load(java.nio.file.Path.of("../samples/kubernetes/mesh-config.yaml").toFile()).item();
        sample.getMetadata().setNamespace(NS);
        apply(sample);
        try (Mesh mesh = Mesh.builder().workload(Workload.of(NS)).config(source().build()).build()) {
            assertThat(mesh.config().current().resources()).extracting(r -> r.metadata().name())
                    .containsExactlyInAnyOrder("reviews", "reviews");
            assertThat(mesh.route(SimpleRequest.of("GET", "http://reviews:9080/", Map.of("end-user", "jason")))
                    .destinations()).singleElement().satisfies(d -> assertThat(d.subset()).isEqualTo("v2"));
        }
    }

    @Test
    void builderChecksItsValues() {
        var b = ConfigMapConfigSource.builder(api.client);
        assertThatThrownBy(() -> b.namespace("Default")).hasMessageContaining("namespace: \"Default\"");
        assertThatThrownBy(() -> b.name("mesh_config")).hasMessageContaining("name: \"mesh_config\"");
        assertThatThrownBy(() -> b.labelSelector(" ")).hasMessageContaining("labelSelector");
        assertThatThrownBy(() -> b.quietPeriod(Duration.ofMillis(-1))).hasMessageContaining(">= 0");
        assertThatThrownBy(b::build).hasMessageContaining("namespace(...) is required");
        assertThatThrownBy(() -> ConfigMapConfigSource.builder(api.client).namespace(NS).build())
                .hasMessageContaining("exactly one of name(...) and labelSelector(...)");
    }
}

package io.inmesh.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.inmesh.Mesh;
import io.inmesh.Workload;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server ends watches: its resource versions expire (HTTP 410 Gone, "too old resource version") and it closes
 * idle watches. A hand-rolled watch that does not relist stalls silently (spring-cloud-kubernetes #557, #558); the
 * informers behind the source and the registry must relist and catch up with what changed meanwhile.
 */
class WatchRecoveryTest {
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

    void apply(ConfigMap cm) {
        api.client.configMaps().inNamespace(NS).resource(cm).createOr(c -> c.update());
    }

    @Test
    void aWatchEndedWith410GoneIsRelistedAndChangesMadeMeanwhileArrive() throws Exception {
        apply(ConfigMapConfigSourceTest.configMap("mesh-config",
                Map.of("reviews.yaml", ConfigMapConfigSourceTest.routeTo("v1"))));
        ConfigMapConfigSource source = ConfigMapConfigSourceTest.sourceOf(api).build();
        try (Mesh mesh = Mesh.builder().workload(Workload.of(NS)).config(source).build()) {
            await().until(() -> source.isWatching() && api.watches.values().stream()
                    .anyMatch(p -> p.contains("/configmaps")));
            long lists = api.count("GET", "/configmaps", false);

            // the next watches are refused with 410 too, so the change below can only arrive through a relist
            api.refuse(p -> p.contains("/configmaps") && p.contains("watch=true"), 410);
            assertThat(api.expireWatches("/configmaps")).isEqualTo(1);
            await().until(() -> !source.isWatching());
            apply(ConfigMapConfigSourceTest.configMap("mesh-config",
                    Map.of("reviews.yaml", ConfigMapConfigSourceTest.routeTo("v2"))));
            await().until(() -> "v2".equals(ConfigMapConfigSourceTest.subsetOf(mesh)));
            assertThat(api.count("GET", "/configmaps", false)).as("relisted").isGreaterThan(lists);

            // the API server accepts watches again: the source watches again, and later changes arrive by watch
            api.accept();
            await().until(source::isWatching);
            apply(ConfigMapConfigSourceTest.configMap("mesh-config",
                    Map.of("reviews.yaml", ConfigMapConfigSourceTest.routeTo("v3"))));
            await().until(() -> "v3".equals(ConfigMapConfigSourceTest.subsetOf(mesh)));
        }
    }

    @Test
    void theRegistryRecoversFrom410GoneToo() {
        api.client.resource(KubernetesEndpointRegistryTest.service("reviews", "http", 9080)).inNamespace(NS).create();
        try (KubernetesEndpointRegistry registry = KubernetesEndpointRegistry.builder(api.client).namespace(NS)
                .build()) {
            await().until(registry::isWatching);
            assertThat(api.expireWatches("/endpointslices")).isEqualTo(1);
            api.client.resource(KubernetesEndpointRegistryTest.pod("r1", "10.1.0.1", "v1", "reviews"))
                    .inNamespace(NS).create();
            api.client.resource(KubernetesEndpointRegistryTest.slice("reviews-a", "reviews", "http", 9080,
                    "r1@10.1.0.1:true:true:false")).inNamespace(NS).create();
            await().until(() -> registry.endpoints(KubernetesEndpointRegistryTest.HOST, 9080).size() == 1);
            await().until(registry::isWatching);
        }
    }
}

package io.inmesh.spring.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.inmesh.Mesh;
import io.inmesh.spring.MeshAutoConfiguration;
import io.inmesh.spring.internal.MeshExtras;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.SimpleRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter picks mesh-kubernetes up when mesh.kubernetes.enabled says so; against fabric8's mock API server. */
class KubernetesWiringTest {
    private KubernetesMockServer server;
    private KubernetesClient client;

    private static final String VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - match: [{uri: {prefix: /%s}}]
                route: [{destination: {host: reviews}}]
            """;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        client.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("mesh-config").withNamespace("shop").endMetadata()
                .withData(Map.of("reviews.yaml", VS.formatted("v1"))).build()).create();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .withBean(KubernetesClient.class, () -> client, b -> b.setDestroyMethodName(""))
                .withPropertyValues("mesh.namespace=shop");
    }

    @Test
    void aConfigMapThroughTheApiConfiguresTheMeshAndItsUpdatesApplyLive() {
        runner().withPropertyValues("mesh.kubernetes.enabled=true", "mesh.kubernetes.config-maps=mesh-config",
                "mesh.kubernetes.endpoints=false").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(MeshExtras.class);
                    Mesh mesh = context.getBean(Mesh.class);
                    assertThat(mesh.route(SimpleRequest.of("GET", "http://reviews/v1/x")).status())
                            .isEqualTo(RouteStatus.ROUTED);
                    client.configMaps().inNamespace("shop").withName("mesh-config").edit(cm -> new ConfigMapBuilder(cm)
                            .withData(Map.of("reviews.yaml", VS.formatted("v2"))).build());
                    await().atMost(Duration.ofSeconds(10)).until(() ->
                            mesh.route(SimpleRequest.of("GET", "http://reviews/v2/x")).status() == RouteStatus.ROUTED);
                    assertThat(mesh.route(SimpleRequest.of("GET", "http://reviews/v1/x")).status())
                            .isEqualTo(RouteStatus.NO_ROUTE);
                });
    }

    @Test
    void offByDefaultAndAbsentWithoutTheModule() {
        runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshExtras.class));
        runner().withPropertyValues("mesh.kubernetes.enabled=true", "mesh.kubernetes.config-maps=mesh-config")
                .withClassLoader(new FilteredClassLoader("io.inmesh.kubernetes"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshExtras.class));
    }

    @Test
    void enabledWithNothingToWatchFailsNamingTheProperties() {
        runner().withPropertyValues("mesh.kubernetes.enabled=true", "mesh.kubernetes.endpoints=false")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("mesh.kubernetes.config-maps"));
    }
}

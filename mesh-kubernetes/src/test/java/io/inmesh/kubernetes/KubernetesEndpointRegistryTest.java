package io.inmesh.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.discovery.Endpoint;
import io.inmesh.traffic.SimpleRequest;
import io.inmesh.traffic.internal.MeshCall;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KubernetesEndpointRegistryTest {
    static final String NS = "default";
    static final String HOST = "reviews.default.svc.cluster.local";

    MockApi api;

    @BeforeEach
    void start() {
        api = new MockApi();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    static Service service(String name, String portName, int port) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort().endSpec()
                .build();
    }

    static Pod pod(String name, String ip, String version, String serviceAccount) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .withLabels(Map.of("app", "reviews", "version", version, Endpoint.TLS_MODE_LABEL, "istio"))
                .endMetadata().withNewSpec().withServiceAccountName(serviceAccount).endSpec()
                .withNewStatus().withPodIP(ip).endStatus().build();
    }

    /** One endpoint per pod name: {@code name@ip:ready:serving:terminating}. */
    static EndpointSlice slice(String name, String service, String portName, int port, String... endpoints) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .withLabels(Map.of("kubernetes.io/service-name", service)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort();
        for (String e : endpoints) {
            String[] p = e.split("[@:]");
            b.addToEndpoints(new EndpointBuilder().withAddresses(p[1])
                    .withNewConditions().withReady(Boolean.valueOf(p[2])).withServing(Boolean.valueOf(p[3]))
                    .withTerminating(Boolean.valueOf(p[4])).endConditions()
                    .withNewTargetRef().withKind("Pod").withName(p[0]).withNamespace(NS).endTargetRef().build());
        }
        return b.build();
    }

    <T extends io.fabric8.kubernetes.api.model.HasMetadata> void apply(T o) {
        api.client.resource(o).inNamespace(NS).createOr(c -> c.update());
    }

    KubernetesEndpointRegistry registry() {
        return KubernetesEndpointRegistry.builder(api.client).namespace(NS).syncTimeout(Duration.ofSeconds(20))
                .build();
    }

    static List<String> addresses(List<Endpoint> eps) {
        List<String> out = new ArrayList<>();
        for (Endpoint e : eps) {
            out.add(e.hostPort());
        }
        return out;
    }

    @Test
    void endpointSlicesAndPodsReachTheRegistryWithPodLabelsAndIdentity() {
        apply(service("reviews", "http", 9080));
        apply(pod("reviews-v1", "10.1.0.1", "v1", "bookinfo-reviews"));
        apply(slice("reviews-abc", "reviews", "http", 9081, "reviews-v1@10.1.0.1:true:true:false"));
        try (KubernetesEndpointRegistry registry = registry()) {
            assertThat(registry.knows(HOST)).isTrue();
            assertThat(registry.endpoints(HOST, 9080)).singleElement().satisfies(e -> {
                assertThat(e.hostPort()).as("the pod's port from the slice").isEqualTo("10.1.0.1:9081");
                assertThat(e.labels()).containsEntry("version", "v1").containsEntry(Endpoint.TLS_MODE_LABEL, "istio");
                assertThat(e.serviceAccount()).isEqualTo("bookinfo-reviews");
                assertThat(e.namespace()).isEqualTo(NS);
            });
            assertThat(registry.endpoints(HOST, 1234)).as("a port the Service does not declare").isNull();
            assertThat(registry.endpoints("ratings.default.svc.cluster.local", 9080)).isNull();
            List<Endpoint> first = registry.endpoints(HOST, 9080);
            assertThat(registry.endpoints(HOST, 9080)).as("same list until endpoints change").isSameAs(first);

            // a pod arrives after its slice: held back until the pod is known
            apply(slice("reviews-abc", "reviews", "http", 9081, "reviews-v1@10.1.0.1:true:true:false",
                    "reviews-v2@10.1.0.2:true:true:false"));
            apply(pod("reviews-v2", "10.1.0.2", "v2", "bookinfo-reviews"));
            await().until(() -> registry.endpoints(HOST, 9080).size() == 2);
            assertThat(registry.endpoints(HOST, 9080)).filteredOn(e -> e.address().equals("10.1.0.2"))
                    .singleElement().satisfies(e -> assertThat(e.labels()).containsEntry("version", "v2"));

            // a pod's labels change: the endpoint's labels follow
            Pod relabelled = pod("reviews-v2", "10.1.0.2", "v3", "bookinfo-reviews");
            apply(relabelled);
            await().until(() -> registry.endpoints(HOST, 9080).stream()
                    .anyMatch(e -> "v3".equals(e.labels().get("version"))));

            // a pod status change that no endpoint carries keeps the list instance
            List<Endpoint> before = registry.endpoints(HOST, 9080);
            Pod statusOnly = pod("reviews-v2", "10.1.0.2", "v3", "bookinfo-reviews");
            statusOnly.getStatus().setPhase("Running");
            apply(statusOnly);
            apply(service("ratings", "http", 9080)); // an event after it, to know it was processed
            await().until(() -> registry.knows("ratings.default.svc.cluster.local"));
            assertThat(registry.endpoints(HOST, 9080)).isSameAs(before);

            // a slice deleted: no endpoints, still known
            api.client.discovery().v1().endpointSlices().inNamespace(NS).withName("reviews-abc").delete();
            await().until(() -> registry.endpoints(HOST, 9080).isEmpty());
            assertThat(registry.knows(HOST)).isTrue();

            // the service deleted: unknown
            api.client.services().inNamespace(NS).withName("reviews").delete();
            await().until(() -> !registry.knows(HOST));
            assertThat(registry.isWatching()).isTrue();
            assertThat(registry.lastSuccessfulSync()).isPresent();
        }
    }

    @Test
    void aDualStackServiceUsesTheSlicesOfItsFirstFamilyOnly() {
        apply(service("reviews", "http", 9080));
        apply(pod("p1", "10.1.0.1", "v1", "default"));
        apply(slice("reviews-v4", "reviews", "http", 9080, "p1@10.1.0.1:true:true:false"));
        EndpointSlice v6 = new EndpointSliceBuilder().withNewMetadata().withName("reviews-v6").withNamespace(NS)
                .withLabels(Map.of("kubernetes.io/service-name", "reviews")).endMetadata().withAddressType("IPv6")
                .addNewPort().withName("http").withPort(9080).withProtocol("TCP").endPort()
                .addToEndpoints(new EndpointBuilder().withAddresses("fd00::1").withNewConditions().withReady(true)
                        .endConditions().withNewTargetRef().withKind("Pod").withName("p1").withNamespace(NS)
                        .endTargetRef().build())
                .build();
        apply(v6);
        try (KubernetesEndpointRegistry registry = registry()) {
            assertThat(addresses(registry.endpoints(HOST, 9080))).as("one endpoint per pod, not one per family")
                    .containsExactly("10.1.0.1:9080");
            Service ipv6First = service("reviews", "http", 9080);
            ipv6First.getSpec().setIpFamilies(List.of("IPv6", "IPv4"));
            apply(ipv6First);
            await().untilAsserted(() -> assertThat(addresses(registry.endpoints(HOST, 9080)))
                    .containsExactly("[fd00::1]:9080"));
        }
    }

    @Test
    void readyEndpointsServeAndTerminatingOnesOnlyWhenNoneIsReady() {
        apply(service("reviews", "http", 9080));
        for (int i = 1; i <= 3; i++) {
            apply(pod("p" + i, "10.1.0." + i, "v1", "default"));
        }
        apply(slice("reviews-a", "reviews", "http", 9080, "p1@10.1.0.1:true:true:false",
                "p2@10.1.0.2:false:false:false", "p3@10.1.0.3:false:true:true"));
        try (KubernetesEndpointRegistry registry = registry()) {
            assertThat(addresses(registry.endpoints(HOST, 9080))).containsExactly("10.1.0.1:9080");

            apply(slice("reviews-a", "reviews", "http", 9080, "p1@10.1.0.1:false:true:true",
                    "p2@10.1.0.2:false:false:false", "p3@10.1.0.3:false:true:true"));
            await().untilAsserted(() -> assertThat(addresses(registry.endpoints(HOST, 9080)))
                    .as("no ready endpoint: the serving terminating ones").containsExactly("10.1.0.1:9080",
                            "10.1.0.3:9080"));

            apply(slice("reviews-a", "reviews", "http", 9080, "p1@10.1.0.1:false:false:true"));
            await().until(() -> registry.endpoints(HOST, 9080).isEmpty());
        }
    }

    @Test
    void aRouteThroughTheMeshPicksThePodOfTheSubsetByItsPodLabels() throws Exception {
        apply(service("reviews", "http", 9080));
        apply(pod("reviews-v1", "10.1.0.1", "v1", "reviews"));
        apply(pod("reviews-v2", "10.1.0.2", "v2", "reviews"));
        apply(slice("reviews-abc", "reviews", "http", 8080, "reviews-v1@10.1.0.1:true:true:false",
                "reviews-v2@10.1.0.2:true:true:false"));
        String yaml = ConfigMapConfigSourceTest.routeTo("v2");
        try (KubernetesEndpointRegistry registry = registry();
             Mesh mesh = Mesh.builder().workload(Workload.of(NS)).endpointRegistry(registry)
                     .configFiles(List.of(new ConfigFile("reviews.yaml", yaml.getBytes(StandardCharsets.UTF_8))))
                     .build()) {
            assertThat(mesh.route(SimpleRequest.of("GET", "http://reviews:9080/")).destinations())
                    .singleElement().satisfies(d -> assertThat(d.subset()).isEqualTo("v2"));
            for (int i = 0; i < 5; i++) {
                MeshCall call = mesh.traffic().start(SimpleRequest.of("GET", "http://reviews:9080/"));
                MeshCall.Try t = call.nextTry();
                assertThat(t.address + ":" + t.port).isEqualTo("10.1.0.2:8080");
                assertThat(t.endpoint().serviceAccount()).isEqualTo("reviews");
                t.release();
            }

            // the v2 pod relabelled to v1: the subset is empty now, without a config reload
            apply(pod("reviews-v2", "10.1.0.2", "v1", "reviews"));
            await().untilAsserted(() -> {
                MeshCall call = mesh.traffic().start(SimpleRequest.of("GET", "http://reviews:9080/"));
                assertThat(call.nextTry()).isNull();
                assertThat(call.failureStatus()).isEqualTo(503);
            });
        }
    }

    @Test
    void aForbiddenListFailsStartUpNamingTheRbacToGrant() {
        api.refuse(p -> p.contains("/pods"), 403);
        assertThatThrownBy(() -> KubernetesEndpointRegistry.builder(api.client).namespace(NS)
                .syncTimeout(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("403")
                .hasMessageContaining("get, list and watch on services, pods and endpointslices.discovery.k8s.io"
                        + " in namespace default");
    }
}

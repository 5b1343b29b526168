package io.inmesh.spring.internal;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.inmesh.Workload;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.kubernetes.ConfigMapConfigSource;
import io.inmesh.kubernetes.KubernetesEndpointRegistry;
import io.inmesh.kubernetes.PodIdentity;
import io.inmesh.spring.MeshProperties;
import java.util.ArrayList;
import java.util.List;

/** The Kubernetes module's contribution to the mesh, from {@code mesh.kubernetes.*}. */
public final class KubernetesExtras {
    private KubernetesExtras() {
    }

    /**
     * Builds the ConfigMap sources, the endpoint registry (waiting for its first lists) and the pod's identity.
     *
     * @throws IllegalStateException naming the property when the settings say nothing to watch, or the API refuses
     */
    public static MeshExtras create(MeshProperties properties, KubernetesClient client, String applicationName,
                                    DeclaredWorkload declared) {
        MeshProperties.Kubernetes k = properties.kubernetes();
        Workload workload = null;
        if (k.podIdentity()) {
            Workload pod = PodIdentity.detect();
            workload = new Workload(pod.namespace(), pod.serviceAccount(),
                    MeshFactory.labels(pod.labels(), properties, applicationName, declared));
        }
        String namespace = k.namespace() != null ? k.namespace()
                : workload != null ? workload.namespace()
                : MeshFactory.workload(properties, applicationName, declared).namespace();
        if (k.configMaps().isEmpty() && k.configMapSelector() == null && !k.endpoints() && !k.podIdentity()) {
            throw new MeshStartupException("mesh.kubernetes.enabled is true but none of mesh.kubernetes.config-maps,"
                    + " config-map-selector, endpoints and pod-identity asks anything of the API",
                    "Set mesh.kubernetes.config-maps, mesh.kubernetes.config-map-selector, mesh.kubernetes.endpoints"
                    + " or mesh.kubernetes.pod-identity, or set mesh.kubernetes.enabled=false.", null);
        }
        List<ConfigSource> sources = new ArrayList<>();
        KubernetesEndpointRegistry registry = null;
        try {
            for (String name : k.configMaps()) {
                sources.add(ConfigMapConfigSource.named(client, namespace, name));
            }
            if (k.configMapSelector() != null) {
                sources.add(ConfigMapConfigSource.selected(client, namespace, k.configMapSelector()));
            }
            if (k.endpoints()) {
                registry = KubernetesEndpointRegistry.builder(client).namespace(namespace).build();
            }
        } catch (RuntimeException e) {
            sources.forEach(ConfigSource::close);
            throw new MeshStartupException("mesh.kubernetes: cannot watch namespace " + namespace + ": "
                    + e.getMessage(), "Check that the API server is reachable and that the workload's service"
                    + " account may get, list and watch configmaps, services, endpointslices and pods there (see"
                    + " samples/kubernetes/rbac.yaml).", e);
        }
        KubernetesEndpointRegistry r = registry;
        List<ConfigSource> owned = List.copyOf(sources);
        return new MeshExtras(sources, registry, workload, () -> {
            // the mesh closes its sources first; closing is idempotent, and a mesh that never took them (the
            // application's own) leaves them to this
            owned.forEach(ConfigSource::close);
            if (r != null) {
                r.close();
            }
        });
    }
}

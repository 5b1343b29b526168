package io.inmesh.config;

import io.inmesh.config.internal.bind.Unsupported;
import java.util.List;
import java.util.Map;

/** Istio's ServiceEntry: names a service and, without Kubernetes, its endpoints and their labels. */
public record ServiceEntry(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public enum Location { MESH_EXTERNAL, MESH_INTERNAL }

    public enum Resolution { NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS }

    public record Spec(
            List<String> hosts,
            List<String> addresses,
            List<Port> ports,
            Location location,
            Resolution resolution,
            List<WorkloadEntry.Spec> endpoints,
            WorkloadSelector workloadSelector,
            @Unsupported("every rule is visible to the whole process") List<String> exportTo,
            List<String> subjectAltNames) {
    }

    /** The networking API's selector: {@code labels}, not {@code matchLabels}. */
    public record WorkloadSelector(Map<String, String> labels) {
    }

    public record Port(Integer number, String protocol, String name, Integer targetPort) {
    }
}

package io.inmesh.config;

import io.inmesh.config.internal.bind.Unsupported;
import java.util.Map;

/** Istio's WorkloadEntry: one endpoint (address, ports, labels, service account). */
public record WorkloadEntry(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public record Spec(
            String address,
            Map<String, Integer> ports,
            Map<String, String> labels,
            @Unsupported("a process is on one network") String network,
            @Unsupported("a process has one locality") String locality,
            Integer weight,
            String serviceAccount) {
    }
}

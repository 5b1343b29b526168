package io.inmesh;

import java.util.Map;
import java.util.Objects;

/**
 * The workload this process runs as: its namespace, service account and labels (Kubernetes pod labels, such as
 * {@code app} and {@code version}). Route matches on {@code sourceLabels} and {@code sourceNamespace} compare with
 * these; DestinationRules are looked up from {@code namespace} first; the workload's SPIFFE identity is derived
 * from namespace and service account.
 *
 * @param namespace      the workload's namespace, never null
 * @param serviceAccount the workload's service account, never null ({@code default} when unknown)
 * @param labels         the workload's labels, never null, copied
 */
public record Workload(String namespace, String serviceAccount, Map<String, String> labels) {

    public Workload {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        if (namespace.isBlank()) {
            throw new IllegalArgumentException("namespace is blank");
        }
        labels = Map.copyOf(labels);
    }

    /** A workload in {@code namespace} with service account {@code default} and no labels. */
    public static Workload of(String namespace) {
        return new Workload(namespace, "default", Map.of());
    }

    /** A workload in {@code namespace} with service account {@code default} and these labels. */
    public static Workload of(String namespace, Map<String, String> labels) {
        return new Workload(namespace, "default", labels);
    }
}

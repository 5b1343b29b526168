package io.inmesh.config;

import java.util.Map;

/** Istio's PeerAuthentication: whether a workload accepts plaintext, mTLS, or both. */
public record PeerAuthentication(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public enum Mode { UNSET, DISABLE, PERMISSIVE, STRICT }

    /** {@code portLevelMtls} is keyed by the workload's port number. */
    public record Spec(WorkloadSelector selector, MutualTls mtls, Map<Integer, MutualTls> portLevelMtls) {
    }

    public record MutualTls(Mode mode) {
    }
}

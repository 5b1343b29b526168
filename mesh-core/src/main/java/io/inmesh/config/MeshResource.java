package io.inmesh.config;

/**
 * One configuration resource: an Istio kind or InMesh's own {@link LocalRateLimit}. Fields follow the YAML
 * exactly; a field absent from the YAML is {@code null} (lists and maps too), so that "absent" and "empty" stay
 * apart as they do for Istio.
 */
public sealed interface MeshResource permits VirtualService, DestinationRule, ServiceEntry, WorkloadEntry,
        PeerAuthentication, AuthorizationPolicy, RequestAuthentication, LocalRateLimit {

    /** The {@code apiVersion} as written, for example {@code networking.istio.io/v1}. */
    String apiVersion();

    /** Name, namespace (filled with the loader's default when absent), labels and annotations. */
    ObjectMeta metadata();

    /** The kind, as written in YAML ({@code VirtualService}, ...). */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** {@code namespace/name}. */
    default String key() {
        return metadata().namespace() + "/" + metadata().name();
    }
}

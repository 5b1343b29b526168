package io.inmesh.telemetry.internal.metrics;

/**
 * The Istio labels that describe one side of a request (source or destination), each {@code "unknown"} when not
 * known, as Istio writes them. Callers keep and reuse one instance per peer, so that metric lookups can be cached.
 *
 * @param workload          the workload name (Istio: the Deployment's), e.g. {@code reviews-v2}
 * @param namespace         the workload's namespace
 * @param principal         the SPIFFE ID, e.g. {@code spiffe://cluster.local/ns/default/sa/bookinfo-reviews}
 * @param app               the {@code app} label
 * @param version           the {@code version} label
 * @param canonicalService  Istio's canonical service ({@code service.istio.io/canonical-name}, else app, ...)
 * @param canonicalRevision Istio's canonical revision ({@code service.istio.io/canonical-revision}, else version, else
 *                          {@code latest})
 */
public record PeerLabels(String workload, String namespace, String principal, String app, String version,
                         String canonicalService, String canonicalRevision) {
    public static final String UNKNOWN = "unknown";
    private static final PeerLabels UNKNOWN_PEER = new PeerLabels(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN,
            UNKNOWN, UNKNOWN);

    /** A peer nothing is known of. */
    public static PeerLabels unknown() {
        return UNKNOWN_PEER;
    }
}

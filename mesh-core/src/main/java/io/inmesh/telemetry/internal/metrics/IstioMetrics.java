package io.inmesh.telemetry.internal.metrics;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Istio's standard metrics ({@code istio_requests_total}, {@code istio_request_duration_milliseconds},
 * {@code istio_request_bytes}, {@code istio_response_bytes}) with Istio's names, labels and buckets. One instance per
 * mesh; thread-safe; recording does not allocate once a label combination has been seen.
 */
public final class IstioMetrics {
    private final MeterRegistry registry;
    private final PeerLabels self;

    /** @param self this workload's labels: the source on the client side, the destination on the server side */
    public IstioMetrics(MeterRegistry registry, PeerLabels self) {
        this.registry = registry;
        this.self = self;
    }

    /**
     * One request made by this workload (reporter=source).
     *
     * @param destination        the destination's labels (from the endpoint and the peer's certificate)
     * @param destinationService the destination host, fully qualified (the route's chosen host)
     * @param responseCode       the status returned to the application (0 when no response)
     * @param responseFlags      {@code ResponseFlag} bits
     * @param mutualTls          whether the (last) try used mesh mTLS
     */
    public void recordClient(PeerLabels destination, String destinationService, int responseCode, int responseFlags,
                             boolean mutualTls, long durationNanos, long requestBytes, long responseBytes) {
        // filled in by the metrics work
    }

    /** One request received by this workload (reporter=destination). */
    public void recordServer(PeerLabels source, String destinationService, int responseCode, int responseFlags,
                             boolean mutualTls, long durationNanos, long requestBytes, long responseBytes) {
        // filled in by the metrics work
    }
}

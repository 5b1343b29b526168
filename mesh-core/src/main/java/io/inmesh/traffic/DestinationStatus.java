package io.inmesh.traffic;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the mesh knows now about one destination it has sent requests to (a host, subset and port under one
 * DestinationRule policy): its endpoints as last seen, with the requests in flight and outlier detection's verdict.
 * For diagnostics (the Spring Boot actuator's {@code /actuator/mesh}); taken without stopping traffic, so the figures
 * of different endpoints may be a moment apart.
 *
 * @param host      the fully qualified host
 * @param subset    the DestinationRule subset, or null
 * @param port      the port
 * @param endpoints the endpoints, in the registry's order
 */
public record DestinationStatus(String host, String subset, int port, List<EndpointStatus> endpoints) {
    public DestinationStatus {
        Objects.requireNonNull(host, "host");
        endpoints = List.copyOf(endpoints);
    }

    /** Number of endpoints outlier detection has ejected. */
    public long ejectedCount() {
        return endpoints.stream().filter(EndpointStatus::ejected).count();
    }

    /**
     * One endpoint of a destination.
     *
     * @param address        the IP address or host name
     * @param port           the port
     * @param labels         its labels (subset matching)
     * @param activeRequests requests in flight to it from this process
     * @param ejected        whether outlier detection has ejected it now
     */
    public record EndpointStatus(String address, int port, Map<String, String> labels, int activeRequests,
                                 boolean ejected) {
        public EndpointStatus {
            labels = Map.copyOf(labels);
        }
    }
}

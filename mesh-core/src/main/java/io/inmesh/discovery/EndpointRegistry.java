package io.inmesh.discovery;

import java.util.List;

/**
 * Where the endpoints of a service come from: ServiceEntries and WorkloadEntries on one machine, EndpointSlices
 * and Pods on Kubernetes. Implementations are thread-safe; lookups are on the request path and must not block or
 * allocate: return the same immutable list until the endpoints change, so that callers can cache what they derive
 * from it by identity.
 */
public interface EndpointRegistry {

    /**
     * The endpoints of {@code host} (fully qualified, lower case) for service port {@code port}, each with the port
     * to connect to. An empty list means the service is known and has no endpoints; {@code null} means the registry
     * does not know the host, and the caller connects to the host itself through DNS.
     */
    List<Endpoint> endpoints(String host, int port);

    /** True when the registry knows {@code host}, whatever its ports. */
    boolean knows(String host);

    /** A registry that knows no host: every call passes through to DNS. */
    static EndpointRegistry empty() {
        return new EndpointRegistry() {
            @Override
            public List<Endpoint> endpoints(String host, int port) {
                return null;
            }

            @Override
            public boolean knows(String host) {
                return false;
            }
        };
    }
}

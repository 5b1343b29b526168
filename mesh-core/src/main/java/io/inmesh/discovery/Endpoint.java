package io.inmesh.discovery;

import java.util.Map;
import java.util.Objects;

/**
 * One network endpoint of a service port: where to connect, and what the mesh knows about it.
 *
 * @param address        IP address or DNS name to connect to
 * @param port           the port to connect to (already mapped from the service port)
 * @param labels         the endpoint's labels (subsets select by them); never null
 * @param serviceAccount the service account the endpoint runs as, or null when unknown
 * @param weight         relative load-balancing weight, at least 1
 * @param namespace      the namespace the service account belongs to (the ServiceEntry's or WorkloadEntry's), or
 *                       null when unknown; with {@code serviceAccount} it names the endpoint's SPIFFE identity
 */
public record Endpoint(String address, int port, Map<String, String> labels, String serviceAccount, int weight,
                       String namespace) {

    /** The label that marks an endpoint speaking mesh mTLS (Istio's auto mTLS). */
    public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

    public Endpoint {
        Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " outside 1..65535");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight " + weight + " must be at least 1");
        }
        labels = Map.copyOf(labels);
    }

    /** An endpoint whose service account's namespace is not known. */
    public Endpoint(String address, int port, Map<String, String> labels, String serviceAccount, int weight) {
        this(address, port, labels, serviceAccount, weight, null);
    }

    /** An endpoint without labels, service account or weight. */
    public static Endpoint of(String address, int port) {
        return new Endpoint(address, port, Map.of(), null, 1);
    }

    /** True when every label of {@code selector} is on this endpoint with the same value. */
    public boolean hasLabels(Map<String, String> selector) {
        for (var e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** {@code address:port}, IPv6 addresses bracketed. */
    public String hostPort() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}

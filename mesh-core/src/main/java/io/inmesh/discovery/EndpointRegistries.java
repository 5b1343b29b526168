package io.inmesh.discovery;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.discovery.internal.StaticEndpointRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Ready-made {@link EndpointRegistry} instances: the one a configuration snapshot describes, a composite, and one
 * built in code. All are immutable and thread-safe; their lookups allocate nothing and return the same list
 * instance on every call.
 */
public final class EndpointRegistries {
    private EndpointRegistries() {
    }

    /**
     * The registry the ServiceEntries and WorkloadEntries of {@code snapshot} describe, as Istio reads them:
     *
     * <ul>
     *   <li>Hosts are resolved in the ServiceEntry's namespace: {@code reviews} in {@code bookinfo} is
     *       {@code reviews.bookinfo.svc.cluster.local} (the cluster domain comes from the snapshot's options).</li>
     *   <li>For service port {@code p}, an endpoint's port is its {@code ports[p.name]}, else {@code p.targetPort},
     *       else {@code p.number}.</li>
     *   <li>{@code resolution: NONE} (the default) and {@code DYNAMIC_DNS}: the host is known, and
     *       {@link EndpointRegistry#endpoints} returns {@code null}, so the caller connects to the address it asked
     *       for.</li>
     *   <li>{@code STATIC}, {@code DNS}, {@code DNS_ROUND_ROBIN}: the listed {@code endpoints} (DNS names are
     *       connected to as given), or, with a {@code workloadSelector}, the WorkloadEntries of the same namespace
     *       whose labels ({@code spec.labels}, overlaid with {@code metadata.labels} as Istio does) contain the
     *       selector, with their labels, service account and weight (absent or 0 counts as 1). DNS without either:
     *       one endpoint, the host itself at the target port. STATIC without either: an empty list.</li>
     *   <li>Wildcard hosts ({@code *.example.com}) match by suffix, the most specific first; they return endpoints
     *       only when the ServiceEntry lists endpoints or selects workloads, and {@code null} (pass-through)
     *       otherwise.</li>
     *   <li>A port the host's entries do not declare falls back to the most specific wildcard that declares it, else
     *       {@code null}: Istio sends undeclared ports to its passthrough cluster.</li>
     *   <li>Endpoint labels, {@value Endpoint#TLS_MODE_LABEL} included, are kept as given.
     *       {@code unix://} addresses are skipped: InMesh connects over TCP.</li>
     *   <li>Several ServiceEntries for one host: as in Istio, one namespace defines the host (the alphabetically
     *       first, Istio's choice for a caller outside all of them), and within it ServiceEntries of the same
     *       resolution are merged: per port, the first (by name) to declare it sets the resolution, and later ones
     *       with the same resolution add their endpoints.</li>
     * </ul>
     *
     * <p>The registry is a value computed from this snapshot; build a new one when the snapshot changes.
     */
    public static EndpointRegistry fromConfig(MeshSnapshot snapshot) {
        return StaticEndpointRegistry.fromConfig(Objects.requireNonNull(snapshot, "snapshot"));
    }

    /**
     * A registry that asks {@code registries} in order: the first that {@linkplain EndpointRegistry#knows knows}
     * the host answers, even with {@code null} (pass-through) or an empty list. No registry knowing the host gives
     * {@code null}. For example {@code firstKnowing(fromConfig(snapshot), kubernetes)} lets ServiceEntries override
     * what a platform registry says about a host.
     */
    public static EndpointRegistry firstKnowing(EndpointRegistry... registries) {
        EndpointRegistry[] rs = registries.clone();
        for (int i = 0; i < rs.length; i++) {
            Objects.requireNonNull(rs[i], "registries[" + i + "]");
        }
        if (rs.length == 0) {
            return EndpointRegistry.empty();
        }
        if (rs.length == 1) {
            return rs[0];
        }
        return new FirstKnowing(rs);
    }

    /** A builder of a registry whose endpoints are given in code, for tests and for meshes without YAML. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects endpoints by host and service port; {@link #build()} makes an immutable registry of them. Each
     * {@link #add} call checks its arguments. The builder may be reused: later additions do not reach registries
     * built before.
     */
    public static final class Builder {
        private final Map<String, Map<Integer, List<Endpoint>>> hosts = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds {@code endpoint} to service port {@code port} of {@code host}, after those added before.
         *
         * @param host     a fully qualified host name (compared in lower case) or a wildcard {@code *.suffix}
         * @param port     the service port a caller asks for, 1 to 65535; the endpoint carries the port to connect to
         * @param endpoint the endpoint
         * @return this builder
         */
        public Builder add(String host, int port, Endpoint endpoint) {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(endpoint, "endpoint");
            String h = host.toLowerCase(Locale.ROOT);
            if (h.isEmpty() || h.equals("*") || h.indexOf('*', 1) >= 0 || (h.startsWith("*") && !h.startsWith("*."))
                    || h.endsWith(".")) {
                throw new IllegalArgumentException("host: \"" + host
                        + "\" (expected a fully qualified name such as reviews.default.svc.cluster.local, or *.suffix)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected 1..65535)");
            }
            hosts.computeIfAbsent(h, k -> new LinkedHashMap<>()).computeIfAbsent(port, k -> new ArrayList<>())
                    .add(endpoint);
            return this;
        }

        /** An immutable registry of the endpoints added so far. */
        public EndpointRegistry build() {
            return StaticEndpointRegistry.of(hosts);
        }
    }

    private static final class FirstKnowing implements EndpointRegistry {
        private final EndpointRegistry[] registries;

        FirstKnowing(EndpointRegistry[] registries) {
            this.registries = registries;
        }

        @Override
        public List<Endpoint> endpoints(String host, int port) {
            for (EndpointRegistry r : registries) {
                if (r.knows(host)) {
                    return r.endpoints(host, port);
                }
            }
            return null;
        }

        @Override
        public boolean knows(String host) {
            for (EndpointRegistry r : registries) {
                if (r.knows(host)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "FirstKnowing" + List.of(registries);
        }
    }
}

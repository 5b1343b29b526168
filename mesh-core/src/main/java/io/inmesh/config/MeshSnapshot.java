package io.inmesh.config;

import io.inmesh.config.internal.compile.CompiledVirtualService;
import io.inmesh.config.internal.compile.HostTable;
import io.inmesh.config.internal.compile.PolicyIndex;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * An immutable, compiled configuration: hosts resolved per namespace, regexes compiled, weights prefix-summed,
 * policies indexed by workload selector. A request reads the holder's current snapshot once and uses that
 * reference throughout. The compiled views ({@code internal} types) are for InMesh's own planes.
 */
public final class MeshSnapshot {
    private final String version;
    private final Instant createdAt;
    private final ConfigOptions options;
    private final List<MeshResource> resources;
    private final HostTable<List<CompiledVirtualService>> virtualServices;
    private final HostTable<List<DestinationRule>> destinationRules;
    private final PolicyIndex<PeerAuthentication> peerAuthentications;
    private final PolicyIndex<AuthorizationPolicy> authorizationPolicies;
    private final PolicyIndex<RequestAuthentication> requestAuthentications;
    private final PolicyIndex<LocalRateLimit> localRateLimits;

    /** Built by the compiler; not for applications. */
    public MeshSnapshot(String version, Instant createdAt, ConfigOptions options, List<MeshResource> resources,
                        HostTable<List<CompiledVirtualService>> virtualServices,
                        HostTable<List<DestinationRule>> destinationRules,
                        PolicyIndex<PeerAuthentication> peerAuthentications,
                        PolicyIndex<AuthorizationPolicy> authorizationPolicies,
                        PolicyIndex<RequestAuthentication> requestAuthentications,
                        PolicyIndex<LocalRateLimit> localRateLimits) {
        this.version = version;
        this.createdAt = createdAt;
        this.options = options;
        this.resources = List.copyOf(resources);
        this.virtualServices = virtualServices;
        this.destinationRules = destinationRules;
        this.peerAuthentications = peerAuthentications;
        this.authorizationPolicies = authorizationPolicies;
        this.requestAuthentications = requestAuthentications;
        this.localRateLimits = localRateLimits;
    }

    /** The content hash (SHA-256, hex) of the resources: equal content, equal version. */
    public String version() {
        return version;
    }

    /** When this snapshot was compiled. */
    public Instant createdAt() {
        return createdAt;
    }

    public ConfigOptions options() {
        return options;
    }

    /** Every resource, sorted by kind, namespace and name. */
    public List<MeshResource> resources() {
        return resources;
    }

    /** The resources of one kind, in the same order. */
    public <T extends MeshResource> List<T> resources(Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /**
     * The VirtualServices that apply to the mesh for {@code host} (a fully qualified name, no port): those naming
     * it exactly, else those of the most specific matching wildcard. Empty when none does.
     */
    public List<CompiledVirtualService> virtualServicesFor(String host) {
        List<CompiledVirtualService> v = virtualServices.lookup(host.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v;
    }

    /**
     * The DestinationRules for {@code host} (fully qualified, no port): those naming it exactly, else those of the
     * most specific matching wildcard host.
     */
    public List<DestinationRule> destinationRulesFor(String host) {
        List<DestinationRule> v = destinationRules.lookup(host.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v;
    }

    /**
     * The DestinationRule that applies to calls from {@code clientNamespace} to {@code host}, in Istio's order:
     * a rule in the client's namespace, else in the service's namespace (from {@code name.namespace.svc.domain}),
     * else in the root namespace, else the first other one (by namespace and name). Null when there is none.
     */
    public DestinationRule destinationRuleFor(String host, String clientNamespace) {
        List<DestinationRule> candidates = destinationRulesFor(host);
        if (candidates.isEmpty()) {
            return null;
        }
        String serviceNamespace = serviceNamespace(host);
        DestinationRule inService = null;
        DestinationRule inRoot = null;
        for (DestinationRule dr : candidates) {
            String ns = dr.metadata().namespace();
            if (ns.equals(clientNamespace)) {
                return dr;
            }
            if (inService == null && ns.equals(serviceNamespace)) {
                inService = dr;
            }
            if (inRoot == null && ns.equals(options.rootNamespace())) {
                inRoot = dr;
            }
        }
        return inService != null ? inService : inRoot != null ? inRoot : candidates.get(0);
    }

    private String serviceNamespace(String host) {
        String suffix = ".svc." + options.clusterDomain();
        if (!host.endsWith(suffix)) {
            return null;
        }
        String rest = host.substring(0, host.length() - suffix.length());
        int dot = rest.lastIndexOf('.');
        return dot < 0 ? null : rest.substring(dot + 1);
    }

    public PolicyIndex<PeerAuthentication> peerAuthentications() {
        return peerAuthentications;
    }

    public PolicyIndex<AuthorizationPolicy> authorizationPolicies() {
        return authorizationPolicies;
    }

    public PolicyIndex<RequestAuthentication> requestAuthentications() {
        return requestAuthentications;
    }

    public PolicyIndex<LocalRateLimit> localRateLimits() {
        return localRateLimits;
    }

    /** Number of HTTP routes over all VirtualServices. */
    public int routeCount() {
        return resources(VirtualService.class).stream()
                .mapToInt(vs -> vs.spec().http() == null ? 0 : vs.spec().http().size()).sum();
    }

    @Override
    public String toString() {
        return "MeshSnapshot{version=" + version.substring(0, Math.min(12, version.length())) + ", resources="
                + resources.size() + ", createdAt=" + createdAt + "}";
    }
}

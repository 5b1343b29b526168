package io.inmesh.config;

import io.inmesh.config.internal.compile.CompiledVirtualService;
import io.inmesh.config.internal.compile.PolicyIndex;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
    private final Map<String, List<CompiledVirtualService>> virtualServicesByHost;
    private final List<Map.Entry<String, List<CompiledVirtualService>>> wildcardVirtualServices;
    private final Map<String, List<DestinationRule>> destinationRulesByHost;
    private final PolicyIndex<PeerAuthentication> peerAuthentications;
    private final PolicyIndex<AuthorizationPolicy> authorizationPolicies;
    private final PolicyIndex<RequestAuthentication> requestAuthentications;
    private final PolicyIndex<LocalRateLimit> localRateLimits;

    /** Built by the compiler; not for applications. */
    public MeshSnapshot(String version, Instant createdAt, ConfigOptions options, List<MeshResource> resources,
                        Map<String, List<CompiledVirtualService>> virtualServicesByHost,
                        List<Map.Entry<String, List<CompiledVirtualService>>> wildcardVirtualServices,
                        Map<String, List<DestinationRule>> destinationRulesByHost,
                        PolicyIndex<PeerAuthentication> peerAuthentications,
                        PolicyIndex<AuthorizationPolicy> authorizationPolicies,
                        PolicyIndex<RequestAuthentication> requestAuthentications,
                        PolicyIndex<LocalRateLimit> localRateLimits) {
        this.version = version;
        this.createdAt = createdAt;
        this.options = options;
        this.resources = List.copyOf(resources);
        this.virtualServicesByHost = virtualServicesByHost;
        this.wildcardVirtualServices = wildcardVirtualServices;
        this.destinationRulesByHost = destinationRulesByHost;
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
        String h = host.toLowerCase(Locale.ROOT);
        List<CompiledVirtualService> exact = virtualServicesByHost.get(h);
        if (exact != null) {
            return exact;
        }
        for (var e : wildcardVirtualServices) {
            if (io.inmesh.config.internal.Hosts.matches(e.getKey(), h)) {
                return e.getValue();
            }
        }
        return List.of();
    }

    /** DestinationRules whose resolved host is exactly {@code host}. */
    public List<DestinationRule> destinationRulesFor(String host) {
        return destinationRulesByHost.getOrDefault(host.toLowerCase(Locale.ROOT), List.of());
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

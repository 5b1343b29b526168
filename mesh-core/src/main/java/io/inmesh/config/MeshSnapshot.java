package io.inmesh.config;

import io.inmesh.config.internal.compile.CompiledConfig;
import io.inmesh.config.internal.compile.CompiledVirtualService;
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
    private final CompiledConfig compiled;
    private final String serviceSuffix;

    MeshSnapshot(CompiledConfig compiled) {
        this.compiled = compiled;
        this.serviceSuffix = ".svc." + compiled.options().clusterDomain();
    }

    /** The content hash (SHA-256, hex) of the resources: equal content, equal version. */
    public String version() {
        return compiled.version();
    }

    /** When this snapshot was compiled. */
    public Instant createdAt() {
        return compiled.createdAt();
    }

    /** The options the resources were read with. */
    public ConfigOptions options() {
        return compiled.options();
    }

    /** Every resource, sorted by kind, namespace and name. */
    public List<MeshResource> resources() {
        return compiled.resources();
    }

    /** The resources of one kind, in the same order. */
    public <T extends MeshResource> List<T> resources(Class<T> kind) {
        return compiled.resources().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /**
     * The VirtualServices that apply to the mesh for {@code host} (a fully qualified name, no port): those naming
     * it exactly, else those of the most specific matching wildcard. Empty when none does.
     */
    public List<CompiledVirtualService> virtualServicesFor(String host) {
        List<CompiledVirtualService> v = compiled.virtualServices().lookup(host.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v;
    }

    /** Every mesh-bound VirtualService with hosts, compiled, each once (identity), in no particular order. */
    public List<CompiledVirtualService> compiledVirtualServices() {
        java.util.Set<CompiledVirtualService> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (List<CompiledVirtualService> l : compiled.virtualServices().values()) {
            seen.addAll(l);
        }
        return List.copyOf(seen);
    }

    /**
     * The DestinationRules for {@code host} (fully qualified, no port): those naming it exactly, else those of the
     * most specific matching wildcard host.
     */
    public List<DestinationRule> destinationRulesFor(String host) {
        List<DestinationRule> v = compiled.destinationRules().lookup(host.toLowerCase(Locale.ROOT));
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
        DestinationRule inService = null;
        DestinationRule inRoot = null;
        for (DestinationRule dr : candidates) {
            String ns = dr.metadata().namespace();
            if (ns.equals(clientNamespace)) {
                return dr;
            }
            if (inService == null && isServiceNamespace(host, ns)) {
                inService = dr;
            }
            if (inRoot == null && ns.equals(compiled.options().rootNamespace())) {
                inRoot = dr;
            }
        }
        return inService != null ? inService : inRoot != null ? inRoot : candidates.get(0);
    }

    /** True when {@code host} is {@code name.<namespace>.svc.<cluster domain>}; allocates nothing. */
    private boolean isServiceNamespace(String host, String namespace) {
        if (!host.endsWith(serviceSuffix)) {
            return false;
        }
        int end = host.length() - serviceSuffix.length();
        int start = end - namespace.length();
        return start > 1 && host.charAt(start - 1) == '.' && host.regionMatches(start, namespace, 0, namespace.length());
    }

    /** PeerAuthentications by scope (root-namespace ones with a selector are ignored, as in Istio). */
    public PolicyIndex<PeerAuthentication> peerAuthentications() {
        return compiled.peerAuthentications();
    }

    /** AuthorizationPolicies by scope; those for Gateway API targets ({@code targetRef}) are left out. */
    public PolicyIndex<AuthorizationPolicy> authorizationPolicies() {
        return compiled.authorizationPolicies();
    }

    /** RequestAuthentications by scope; those for Gateway API targets ({@code targetRef}) are left out. */
    public PolicyIndex<RequestAuthentication> requestAuthentications() {
        return compiled.requestAuthentications();
    }

    /** LocalRateLimits by scope (a root-namespace one without a selector applies to the whole mesh). */
    public PolicyIndex<LocalRateLimit> localRateLimits() {
        return compiled.localRateLimits();
    }

    /** Number of HTTP routes over all VirtualServices. */
    public int routeCount() {
        return resources(VirtualService.class).stream()
                .mapToInt(vs -> vs.spec().http() == null ? 0 : vs.spec().http().size()).sum();
    }

    @Override
    public String toString() {
        return "MeshSnapshot{version=" + version().substring(0, Math.min(12, version().length())) + ", resources="
                + resources().size() + ", createdAt=" + createdAt() + "}";
    }
}

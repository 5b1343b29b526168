package io.inmesh.config.internal.compile;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.DestinationRule;
import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshResource;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import java.time.Instant;
import java.util.List;

/** What the compiler makes of a valid resource set; {@link io.inmesh.config.MeshSnapshot} wraps it. */
public record CompiledConfig(
        String version,
        Instant createdAt,
        ConfigOptions options,
        List<MeshResource> resources,
        HostTable<List<CompiledVirtualService>> virtualServices,
        HostTable<List<DestinationRule>> destinationRules,
        PolicyIndex<PeerAuthentication> peerAuthentications,
        PolicyIndex<AuthorizationPolicy> authorizationPolicies,
        PolicyIndex<RequestAuthentication> requestAuthentications,
        PolicyIndex<LocalRateLimit> localRateLimits) {

    public CompiledConfig {
        resources = List.copyOf(resources);
    }
}

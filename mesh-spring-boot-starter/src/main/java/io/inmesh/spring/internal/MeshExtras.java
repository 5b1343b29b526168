package io.inmesh.spring.internal;

import io.inmesh.Workload;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.discovery.EndpointRegistry;
import java.util.List;

/**
 * What an optional integration (the Kubernetes module) adds to the mesh the starter builds: config sources read
 * with {@code mesh.config.locations}, an endpoint registry consulted before ServiceEntries, and the workload's
 * identity. The mesh owns the sources (it closes them); the registry's owner closes it after the mesh.
 *
 * @param sources  more config sources (possibly none)
 * @param registry an endpoint registry, or null
 * @param workload the workload to run as, or null for the one mesh.* describes
 * @param closer   closes what the integration started (the registry, the API client), after the mesh
 */
public record MeshExtras(List<ConfigSource> sources, EndpointRegistry registry, Workload workload,
                         AutoCloseable closer) implements AutoCloseable {
    public MeshExtras {
        sources = List.copyOf(sources);
    }

    @Override
    public void close() throws Exception {
        if (closer != null) {
            closer.close();
        }
    }
}

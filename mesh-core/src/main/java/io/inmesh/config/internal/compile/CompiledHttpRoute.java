package io.inmesh.config.internal.compile;

import io.inmesh.config.VirtualService.HttpRoute;
import java.util.List;

/**
 * An HTTP route of a VirtualService, compiled. {@code matches} empty means "matches every request"; blocks are
 * ORed. {@code destinations} is null for redirect, directResponse and delegate routes.
 */
public record CompiledHttpRoute(HttpRoute source, int index, String name, List<CompiledMatch> matches,
                                WeightedDestinations destinations, List<CompiledDestination> mirrors) {
}

package io.inmesh.config.internal.compile;

import io.inmesh.config.VirtualService;
import java.util.List;

/** A VirtualService with its hosts resolved and its routes compiled, in rule order. */
public record CompiledVirtualService(VirtualService source, List<String> hosts, List<CompiledHttpRoute> routes) {
}

package io.inmesh.config.internal.compile;

import io.inmesh.config.VirtualService.Destination;
import io.inmesh.config.VirtualService.Headers;

/** A route destination with its host resolved to a fully qualified name. */
public record CompiledDestination(Destination source, String host, String subset, Integer port, Headers headers) {
}

package io.inmesh.traffic;

/**
 * A destination that receives a fire-and-forget copy of {@code percentage} % of a route's requests, with
 * {@code -shadow} appended to the authority.
 *
 * @param host       fully qualified destination host
 * @param subset     subset name, or null
 * @param port       destination port, or null for the request's port
 * @param percentage 0 to 100
 */
public record MirrorPolicy(String host, String subset, Integer port, double percentage) {
}

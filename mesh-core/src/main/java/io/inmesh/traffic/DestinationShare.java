package io.inmesh.traffic;

/**
 * One weighted destination of a route.
 *
 * @param host   fully qualified destination host
 * @param subset subset name, or null for all endpoints
 * @param port   destination port, or null for the request's port
 * @param weight the weight as configured (0 when absent)
 * @param share  the fraction of requests it gets, weight / sum of weights (1 for a single destination)
 */
public record DestinationShare(String host, String subset, Integer port, int weight, double share) {
}

package io.inmesh.security;

import java.util.List;

/**
 * What the inbound side of the mesh sees of a request arriving at this workload: adapters (servlet filter, WebFlux
 * filter, tests) implement it over their own request type. Header names are lower case.
 */
public interface InboundRequest {

    /** The HTTP method, upper case. */
    String method();

    /** The Host header (or {@code :authority}), as sent, possibly with a port. */
    String host();

    /** The request path as sent, percent-encoded, without the query. */
    String path();

    /** The raw query after {@code ?}, or null. */
    String query();

    /** The first value of a header, or null. */
    String header(String lowerCaseName);

    /** Every value of a header, in order; empty when absent. */
    List<String> headers(String lowerCaseName);

    /** The first value of a query parameter (decoded), or null. */
    String queryParameter(String name);

    /** The peer's SPIFFE ID from its verified client certificate, or null on plaintext. */
    SpiffeId peer();

    /** The peer's IP address (the TCP connection's remote address). */
    String sourceIp();

    /** The IP address the request arrived at. */
    String destinationIp();

    /** The port the request arrived at. */
    int destinationPort();

    /** The TLS SNI the client sent, or null. */
    String sni();
}

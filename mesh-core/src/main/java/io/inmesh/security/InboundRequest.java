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

    /**
     * The first value of a query parameter (names and values percent-decoded; {@code ""} for a name without
     * {@code =}), or null. By default parsed from {@link #query()}; adapters with a parsed form may override it.
     */
    default String queryParameter(String name) {
        String query = query();
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (decodeQueryPart(eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                return eq < 0 ? "" : decodeQueryPart(pair.substring(eq + 1));
            }
        }
        return null;
    }

    /** {@code application/x-www-form-urlencoded} decoding; a malformed escape leaves the text as it is. */
    static String decodeQueryPart(String s) {
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

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

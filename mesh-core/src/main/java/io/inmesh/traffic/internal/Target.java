package io.inmesh.traffic.internal;

/**
 * A destination of a route or mirror, compiled: host fully qualified (null: the request's own host, for
 * pass-through), subset, explicit port (0: the request's port) and destination-level header operations. The
 * cluster for each port it is used with is bound lazily and cached here for the life of the router.
 */
public final class Target {
    public final String host;
    public final String subset;
    public final int port;
    public final HeaderOps requestHeaders;
    public final HeaderOps responseHeaders;
    /** Cache owned by the router that created this target: port to cluster binding. */
    volatile Binding[] bindings = new Binding[0];

    public Target(String host, String subset, int port, HeaderOps requestHeaders, HeaderOps responseHeaders) {
        this.host = host;
        this.subset = subset;
        this.port = port;
        this.requestHeaders = requestHeaders;
        this.responseHeaders = responseHeaders;
    }

    /** The host to use for a request addressed to {@code requestHost}. */
    public String host(String requestHost) {
        return host != null ? host : requestHost;
    }

    /** The port to use for a request addressed to {@code requestPort}. */
    public int port(int requestPort) {
        return port != 0 ? port : requestPort;
    }

    @Override
    public String toString() {
        return (host == null ? "<request host>" : host) + (subset == null ? "" : "/" + subset)
                + (port == 0 ? "" : ":" + port);
    }
}

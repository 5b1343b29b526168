package io.inmesh.telemetry.internal;

import io.opentelemetry.api.common.AttributeKey;

/** The attribute names spans carry: OpenTelemetry's stable HTTP semantic conventions, and the mesh's own. */
public final class SemConv {
    private SemConv() {
    }

    public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    public static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL =
            AttributeKey.stringKey("http.request.method_original");
    public static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
            AttributeKey.longKey("http.response.status_code");
    public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    public static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    public static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    public static final AttributeKey<String> NETWORK_PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    public static final AttributeKey<Long> NETWORK_PEER_PORT = AttributeKey.longKey("network.peer.port");
    public static final AttributeKey<String> NETWORK_PROTOCOL_VERSION =
            AttributeKey.stringKey("network.protocol.version");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");

    /** The VirtualService route's name (or {@code vs-name.index} when unnamed). */
    public static final AttributeKey<String> MESH_ROUTE = AttributeKey.stringKey("inmesh.route");
    /** The destination host chosen by routing, fully qualified. */
    public static final AttributeKey<String> MESH_DESTINATION_HOST = AttributeKey.stringKey("inmesh.destination.host");
    /** The DestinationRule subset chosen by routing. */
    public static final AttributeKey<String> MESH_DESTINATION_SUBSET =
            AttributeKey.stringKey("inmesh.destination.subset");
    /** Envoy's response flags, as in the access log ({@code UF,URX}). */
    public static final AttributeKey<String> MESH_RESPONSE_FLAGS = AttributeKey.stringKey("inmesh.response_flags");
    /** The peer's verified SPIFFE ID: the client's on a server span, the server's on a client span. */
    public static final AttributeKey<String> MESH_PEER_SPIFFE_ID = AttributeKey.stringKey("inmesh.peer.spiffe_id");
    /** An injected fault: {@code delay}, {@code abort} or {@code delay,abort}. */
    public static final AttributeKey<String> MESH_FAULT = AttributeKey.stringKey("inmesh.fault");
    /** The injected delay, in milliseconds. */
    public static final AttributeKey<Long> MESH_FAULT_DELAY_MS = AttributeKey.longKey("inmesh.fault.delay_ms");
    /** True on the span of a mirrored copy (its authority ends with {@code -shadow}). */
    public static final AttributeKey<Boolean> MESH_MIRROR = AttributeKey.booleanKey("inmesh.mirror");
    /** True on a span the mesh answered locally, without sending a try (no route, fault abort, overflow...). */
    public static final AttributeKey<Boolean> MESH_LOCAL_REPLY = AttributeKey.booleanKey("inmesh.local_reply");
    /** The inbound decision when it was not ALLOWED (DENIED, UNAUTHENTICATED, RATE_LIMITED...). */
    public static final AttributeKey<String> MESH_INBOUND_OUTCOME = AttributeKey.stringKey("inmesh.inbound.outcome");
    /** The AuthorizationPolicy that decided ({@code ns.name}). */
    public static final AttributeKey<String> MESH_AUTHZ_POLICY = AttributeKey.stringKey("inmesh.authz.policy");

    /**
     * {@code url.full} without user info and without the query (either may carry credentials): {@code
     * scheme://host[:port]path}, the port omitted when it is the scheme's default, IPv6 addresses bracketed.
     */
    public static String url(String scheme, String host, int port, String path) {
        StringBuilder b = new StringBuilder(scheme.length() + host.length() + path.length() + 16);
        b.append(scheme).append("://");
        if (host.indexOf(':') >= 0) {
            b.append('[').append(host).append(']');
        } else {
            b.append(host);
        }
        boolean defaultPort = "http".equals(scheme) && port == 80 || "https".equals(scheme) && port == 443;
        if (!defaultPort && port > 0) {
            b.append(':').append(port);
        }
        return b.append(path).toString();
    }

    /** The method as the semantic conventions want it: known methods as-is, others {@code _OTHER}. */
    public static String knownMethod(String method) {
        switch (method) {
            case "GET":
            case "POST":
            case "PUT":
            case "DELETE":
            case "HEAD":
            case "OPTIONS":
            case "PATCH":
            case "TRACE":
            case "CONNECT":
            case "QUERY":
                return method;
            default:
                return "_OTHER";
        }
    }
}

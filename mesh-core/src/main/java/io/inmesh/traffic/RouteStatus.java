package io.inmesh.traffic;

/** What route selection decided for a request. */
public enum RouteStatus {
    /** A VirtualService rule matched and routes to one or more destinations. */
    ROUTED,
    /** No VirtualService applies to the host: the request goes to the host itself. */
    PASSTHROUGH,
    /** VirtualServices apply to the host but none of their rules matched: 404, response flag NR. */
    NO_ROUTE,
    /** The matching rule answers with a redirect. */
    REDIRECT,
    /** The matching rule answers with a fixed response. */
    DIRECT_RESPONSE
}

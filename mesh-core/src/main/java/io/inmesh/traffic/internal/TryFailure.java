package io.inmesh.traffic.internal;

import io.inmesh.traffic.ResponseFlag;

/** How a try failed when it produced no response. */
public enum TryFailure {
    /** The connection could not be established (refused, unreachable, connect timeout). */
    CONNECT_FAILURE(ResponseFlag.UF),
    /** HTTP/2 stream refused by the server before it processed the request. */
    REFUSED_STREAM(ResponseFlag.UC),
    /** The connection was reset or closed before a complete response head arrived. */
    RESET(ResponseFlag.UC),
    /** The per-try or overall time limit passed before the response head arrived. */
    TIMEOUT(ResponseFlag.UT),
    /** The TLS handshake or the peer's identity check failed: never retried. */
    TLS_FAILURE(ResponseFlag.UF);

    private final ResponseFlag flag;

    TryFailure(ResponseFlag flag) {
        this.flag = flag;
    }

    public ResponseFlag flag() {
        return flag;
    }
}

package io.inmesh.traffic;

import java.time.Duration;

/**
 * Fault injection configured on a route. Delay and abort are independent; each applies to its percentage of
 * requests (0 to 100, fractions allowed).
 *
 * @param delay the injected delay, or null
 * @param abort the injected abort, or null
 */
public record FaultPolicy(Delay delay, Abort abort) {

    /** A fixed delay before the request is sent, for {@code percentage} % of requests. */
    public record Delay(Duration fixedDelay, double percentage) {
    }

    /**
     * An immediate error answer for {@code percentage} % of requests: an HTTP status, or a gRPC status (then the
     * answer is HTTP 200 with {@code grpc-status}).
     */
    public record Abort(Integer httpStatus, String grpcStatus, double percentage) {
    }
}

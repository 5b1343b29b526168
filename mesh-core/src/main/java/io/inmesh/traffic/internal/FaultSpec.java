package io.inmesh.traffic.internal;

import io.inmesh.config.Percent;
import io.inmesh.config.VirtualService.HttpFaultInjection;
import io.inmesh.traffic.FaultPolicy;
import java.util.List;

/** A route's fault injection, compiled. Percentages absent mean 100, as in Istio. */
public final class FaultSpec {
    /** gRPC status names in code order (0..16). */
    public static final List<String> GRPC_CODES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");

    /** Delay in nanoseconds, 0 for none. */
    public final long delayNanos;
    public final double delayPercent;
    /** HTTP status to answer with, 0 for none. */
    public final int abortHttpStatus;
    /** gRPC status code to answer with, -1 for none. */
    public final int abortGrpcStatus;
    public final double abortPercent;
    public final FaultPolicy policy;

    private FaultSpec(long delayNanos, double delayPercent, int abortHttpStatus, int abortGrpcStatus,
                      double abortPercent, FaultPolicy policy) {
        this.delayNanos = delayNanos;
        this.delayPercent = delayPercent;
        this.abortHttpStatus = abortHttpStatus;
        this.abortGrpcStatus = abortGrpcStatus;
        this.abortPercent = abortPercent;
        this.policy = policy;
    }

    /** Compiles a route's {@code fault}; null when it injects nothing. */
    public static FaultSpec of(HttpFaultInjection f) {
        if (f == null) {
            return null;
        }
        FaultPolicy.Delay delay = null;
        long delayNanos = 0;
        double delayPercent = 0;
        if (f.delay() != null && f.delay().fixedDelay() != null) {
            delayNanos = f.delay().fixedDelay().toNanos();
            delayPercent = percent(f.delay().percentage(), f.delay().percent());
            delay = new FaultPolicy.Delay(f.delay().fixedDelay(), delayPercent);
        }
        FaultPolicy.Abort abort = null;
        int http = 0;
        int grpc = -1;
        double abortPercent = 0;
        if (f.abort() != null && (f.abort().httpStatus() != null || f.abort().grpcStatus() != null)) {
            abortPercent = percent(f.abort().percentage(), null);
            if (f.abort().httpStatus() != null) {
                http = f.abort().httpStatus();
            } else {
                grpc = GRPC_CODES.indexOf(f.abort().grpcStatus());
            }
            abort = new FaultPolicy.Abort(f.abort().httpStatus(), f.abort().grpcStatus(), abortPercent);
        }
        if (delay == null && abort == null) {
            return null;
        }
        return new FaultSpec(delayNanos, delayPercent, http, grpc, abortPercent, new FaultPolicy(delay, abort));
    }

    static double percent(Percent p, Integer legacy) {
        if (p != null && p.value() != null) {
            return Math.max(0, Math.min(100, p.value()));
        }
        if (legacy != null) {
            return Math.max(0, Math.min(100, legacy));
        }
        return 100;
    }

    public boolean hasAbort() {
        return abortHttpStatus != 0 || abortGrpcStatus >= 0;
    }
}

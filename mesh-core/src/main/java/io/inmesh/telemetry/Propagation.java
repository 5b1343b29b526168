package io.inmesh.telemetry;

/** A trace-context header format the mesh reads on inbound requests and writes on every outbound try. */
public enum Propagation {
    /** W3C Trace Context level 2: {@code traceparent} and {@code tracestate}. On by default. */
    TRACECONTEXT,
    /** W3C Baggage: {@code baggage}. On by default. */
    BAGGAGE,
    /** Zipkin B3 in its single-header form, {@code b3}; read in both forms. */
    B3,
    /** Zipkin B3 in its multi-header form, {@code X-B3-TraceId} and the others; read in both forms. */
    B3_MULTI
}

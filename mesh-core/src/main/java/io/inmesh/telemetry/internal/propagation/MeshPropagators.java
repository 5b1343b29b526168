package io.inmesh.telemetry.internal.propagation;

import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The propagator for a set of {@link Propagation} formats.
 *
 * <p>{@link TextMapPropagator#composite} extracts with each propagator in turn, each on the previous one's result,
 * so the last one that finds a valid span context has the final say. W3C Trace Context is therefore put after B3:
 * when a request carries both a valid {@code traceparent} and B3 headers, the W3C context wins; when its
 * {@code traceparent} is missing or invalid, a valid B3 context is kept.
 */
public final class MeshPropagators {
    private MeshPropagators() {
    }

    /** One propagator reading and writing every format of {@code formats}. */
    public static TextMapPropagator create(Set<Propagation> formats) {
        List<TextMapPropagator> list = new ArrayList<>();
        // B3: both forms are read by either propagator; they differ in the form they write.
        if (formats.contains(Propagation.B3)) {
            list.add(B3Propagator.injectingSingleHeader());
        }
        if (formats.contains(Propagation.B3_MULTI)) {
            list.add(B3Propagator.injectingMultiHeaders());
        }
        // after B3: the last extractor wins
        if (formats.contains(Propagation.TRACECONTEXT)) {
            list.add(TraceContextPropagator.getInstance());
        }
        if (formats.contains(Propagation.BAGGAGE)) {
            list.add(W3CBaggagePropagator.getInstance());
        }
        return TextMapPropagator.composite(list);
    }
}

package io.inmesh.telemetry.internal.propagation;

import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The propagator for a set of {@link Propagation} formats. */
public final class MeshPropagators {
    private MeshPropagators() {
    }

    /** One propagator reading and writing every format of {@code formats}. */
    public static TextMapPropagator create(Set<Propagation> formats) {
        List<TextMapPropagator> list = new ArrayList<>();
        if (formats.contains(Propagation.TRACECONTEXT)) {
            list.add(W3CTraceContextPropagator.getInstance());
        }
        if (formats.contains(Propagation.B3)) {
            list.add(B3Propagator.injectingSingleHeader());
        }
        if (formats.contains(Propagation.B3_MULTI)) {
            list.add(B3Propagator.injectingMultiHeaders());
        }
        if (formats.contains(Propagation.BAGGAGE)) {
            list.add(W3CBaggagePropagator.getInstance());
        }
        return TextMapPropagator.composite(list);
    }
}

package io.inmesh.telemetry.internal.propagation;

import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The propagator for a set of {@link Propagation} formats.
 *
 * <p>{@link TextMapPropagator#composite} extracts with each propagator in turn, each on the previous one's result,
 * so the last one that finds a valid span context has the final say. W3C Trace Context is therefore put after B3:
 * when a request carries both a valid {@code traceparent} and B3 headers, the W3C context wins; when its
 * {@code traceparent} is missing or invalid, a valid B3 context is kept.
 *
 * <p>Extraction never throws: OpenTelemetry's B3 extractor (1.55) indexes a lookup table by character and throws
 * {@code ArrayIndexOutOfBoundsException} for {@code \uFFFF} in a B3 id (found by {@code TraceContextFuzzTest}), so
 * the B3 propagators are wrapped: a header they fail on is ignored, as an invalid one is.
 */
public final class MeshPropagators {
    private MeshPropagators() {
    }

    /** One propagator reading and writing every format of {@code formats}. */
    public static TextMapPropagator create(Set<Propagation> formats) {
        List<TextMapPropagator> list = new ArrayList<>();
        // B3: both forms are read by either propagator; they differ in the form they write.
        if (formats.contains(Propagation.B3)) {
            list.add(new NeverThrowingExtract(B3Propagator.injectingSingleHeader()));
        }
        if (formats.contains(Propagation.B3_MULTI)) {
            list.add(new NeverThrowingExtract(B3Propagator.injectingMultiHeaders()));
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

    /** A propagator whose extraction failure leaves the context unchanged, as an invalid header does. */
    private record NeverThrowingExtract(TextMapPropagator delegate) implements TextMapPropagator {
        @Override
        public Collection<String> fields() {
            return delegate.fields();
        }

        @Override
        public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
            delegate.inject(context, carrier, setter);
        }

        @Override
        public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
            try {
                return delegate.extract(context, carrier, getter);
            } catch (RuntimeException e) {
                return context == null ? Context.root() : context; // a header no valid context can come from
            }
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}

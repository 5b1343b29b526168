package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MeshPropagatorsTest {
    static final String W3C_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String W3C_SPAN = "00f067aa0ba902b7";
    static final String B3_TRACE = "80f198ee56343ba864fe8b2a57d3eff7";
    static final String B3_SPAN = "e457b5a2e4d86bd1";

    static Map<String, List<String>> headers(String... nameValues) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.computeIfAbsent(nameValues[i], k -> new ArrayList<>()).add(nameValues[i + 1]);
        }
        return map;
    }

    static SpanContext extract(Set<Propagation> formats, Map<String, List<String>> carrier) {
        return Span.fromContext(MeshPropagators.create(formats).extract(Context.root(), carrier,
                MultiMapCarrier.GETTER)).getSpanContext();
    }

    static Map<String, List<String>> inject(Set<Propagation> formats, Context context) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        MeshPropagators.create(formats).inject(context, out, MultiMapCarrier.SETTER);
        return out;
    }

    static Context span(String traceId, String spanId, boolean sampled) {
        return Context.root().with(Span.wrap(SpanContext.create(traceId, spanId,
                sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
    }

    @Test
    void w3cWinsOverB3WhenBothAreValidWhateverTheFormatsOrder() {
        Map<String, List<String>> both = headers(
                "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01",
                "b3", B3_TRACE + "-" + B3_SPAN + "-1",
                "X-B3-TraceId", B3_TRACE, "X-B3-SpanId", B3_SPAN, "X-B3-Sampled", "1");
        for (Set<Propagation> formats : List.of(
                EnumSet.allOf(Propagation.class),
                EnumSet.of(Propagation.TRACECONTEXT, Propagation.B3),
                EnumSet.of(Propagation.B3_MULTI, Propagation.TRACECONTEXT))) {
            SpanContext sc = extract(formats, both);
            assertThat(sc.getTraceId()).as("%s", formats).isEqualTo(W3C_TRACE);
            assertThat(sc.getSpanId()).isEqualTo(W3C_SPAN);
        }
    }

    @Test
    void b3IsKeptWhenTheTraceparentIsInvalidOrMissing() {
        Set<Propagation> formats = EnumSet.of(Propagation.TRACECONTEXT, Propagation.B3);
        assertThat(extract(formats, headers("traceparent", "ff-" + W3C_TRACE + "-" + W3C_SPAN + "-01",
                "b3", B3_TRACE + "-" + B3_SPAN + "-1")).getTraceId()).isEqualTo(B3_TRACE);
        assertThat(extract(formats, headers("b3", B3_TRACE + "-" + B3_SPAN + "-0")).getTraceId())
                .isEqualTo(B3_TRACE);
    }

    /** Found by TraceContextFuzzTest: OpenTelemetry's B3 extractor threw ArrayIndexOutOfBoundsException. */
    @Test
    void aB3IdWithCharacterFfffIsIgnoredNotThrown() {
        String bad = "\uffff".repeat(32);
        for (Set<Propagation> formats : List.of(EnumSet.of(Propagation.B3), EnumSet.of(Propagation.B3_MULTI),
                EnumSet.allOf(Propagation.class))) {
            assertThat(extract(formats, headers("X-B3-TraceId", bad, "X-B3-SpanId", B3_SPAN)).isValid()).isFalse();
            assertThat(extract(formats, headers("b3", bad + "-" + B3_SPAN + "-1")).isValid()).isFalse();
            // a valid traceparent next to the bad B3 header is still read
            assertThat(extract(formats, headers("X-B3-TraceId", bad, "X-B3-SpanId", B3_SPAN,
                    "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01")).getTraceId())
                    .isEqualTo(formats.contains(Propagation.TRACECONTEXT) ? W3C_TRACE : TraceId.getInvalid());
        }
    }

    @Test
    void eitherB3FormatReadsBothForms() {
        Map<String, List<String>> single = headers("b3", B3_TRACE + "-" + B3_SPAN + "-1");
        Map<String, List<String>> multi = headers("X-B3-TraceId", B3_TRACE, "X-B3-SpanId", B3_SPAN,
                "X-B3-Sampled", "1");
        for (Propagation b3 : List.of(Propagation.B3, Propagation.B3_MULTI)) {
            for (Map<String, List<String>> carrier : List.of(single, multi)) {
                SpanContext sc = extract(EnumSet.of(b3), carrier);
                assertThat(sc.getTraceId()).isEqualTo(B3_TRACE);
                assertThat(sc.getSpanId()).isEqualTo(B3_SPAN);
                assertThat(sc.isSampled()).isTrue();
                assertThat(sc.isRemote()).isTrue();
            }
        }
        // 64-bit B3 trace ids are left-padded
        assertThat(extract(EnumSet.of(Propagation.B3), headers("b3", "64fe8b2a57d3eff7-" + B3_SPAN + "-0"))
                .getTraceId()).isEqualTo("000000000000000064fe8b2a57d3eff7");
    }

    @Test
    void b3SingleAndMultiInjectTheirOwnForm() {
        Context ctx = span(B3_TRACE, B3_SPAN, true);
        assertThat(inject(EnumSet.of(Propagation.B3), ctx))
                .containsExactly(Map.entry("b3", List.of(B3_TRACE + "-" + B3_SPAN + "-1")));
        assertThat(inject(EnumSet.of(Propagation.B3_MULTI), span(B3_TRACE, B3_SPAN, false)))
                .containsEntry("X-B3-TraceId", List.of(B3_TRACE))
                .containsEntry("X-B3-SpanId", List.of(B3_SPAN))
                .containsEntry("X-B3-Sampled", List.of("0"))
                .doesNotContainKey("b3");
    }

    @Test
    void everyFormatOnInjectsEveryHeader() {
        Context ctx = span(W3C_TRACE, W3C_SPAN, true)
                .with(Baggage.builder().put("tenant", "acme").build());
        Map<String, List<String>> out = inject(EnumSet.allOf(Propagation.class), ctx);
        assertThat(out).containsEntry("traceparent", List.of("00-" + W3C_TRACE + "-" + W3C_SPAN + "-01"))
                .containsEntry("b3", List.of(W3C_TRACE + "-" + W3C_SPAN + "-1"))
                .containsEntry("X-B3-TraceId", List.of(W3C_TRACE))
                .containsEntry("baggage", List.of("tenant=acme"));
        TextMapPropagator all = MeshPropagators.create(EnumSet.allOf(Propagation.class));
        assertThat(all.fields()).contains("traceparent", "tracestate", "b3", "X-B3-TraceId", "baggage");
    }

    @Test
    void defaultFormatsAreStrictW3cAndBaggage() {
        Set<Propagation> defaults = EnumSet.of(Propagation.TRACECONTEXT, Propagation.BAGGAGE);
        Map<String, List<String>> in = headers(
                "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-02",
                "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-02",
                "baggage", "k=v");
        Context ctx = MeshPropagators.create(defaults).extract(Context.root(), in, MultiMapCarrier.GETTER);
        assertThat(Span.fromContext(ctx).getSpanContext().isValid()).as("duplicate traceparent").isFalse();
        assertThat(Baggage.fromContext(ctx).getEntryValue("k")).isEqualTo("v");
        assertThat(inject(defaults, ctx)).containsExactly(Map.entry("baggage", List.of("k=v")));
        assertThat(extract(defaults, headers("b3", B3_TRACE + "-" + B3_SPAN + "-1")).isValid())
                .as("B3 is not read unless asked for").isFalse();
    }
}

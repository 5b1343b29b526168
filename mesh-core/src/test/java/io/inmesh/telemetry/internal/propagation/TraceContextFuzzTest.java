package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inmesh.telemetry.Propagation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes trace-context extraction from a header multimap: {@code traceparent}/{@code tracestate} with
 * {@link TraceContextPropagator} alone, and every format together (B3 single and multi, W3C, baggage) with
 * {@link MeshPropagators}.
 *
 * <p>Properties: extraction never throws; a context it accepts is a valid remote {@link SpanContext} (valid ids);
 * re-injected, its {@code traceparent} parses back to the same trace-id, span-id and sampled / random-trace-id flags,
 * and its {@code tracestate} back to the members sent (a subset, in order, when over the 512-character limit).
 *
 * <p>Input: header lines in UTF-8, {@code name: value} each (names matched ignoring case; a repeated name is a
 * header with several lines), at most 16; seeds are readable header blocks.
 */
class TraceContextFuzzTest {

    static final int MAX_LINES = 16;
    private static final TextMapPropagator W3C = TraceContextPropagator.getInstance();
    private static final TextMapPropagator ALL = MeshPropagators.create(EnumSet.allOf(Propagation.class));

    @FuzzTest(maxDuration = "30s")
    void extractInjectRoundTrip(byte[] input) {
        Map<String, List<String>> headers = headers(new String(input, StandardCharsets.UTF_8));

        // W3C alone
        Context w3c = W3C.extract(Context.root(), headers, MultiMapCarrier.GETTER);
        SpanContext sc = Span.fromContext(w3c).getSpanContext();
        if (sc.isValid()) {
            assertValidRemote(sc);
            Map<String, List<String>> out = new LinkedHashMap<>();
            W3C.inject(w3c, out, MultiMapCarrier.SETTER);
            assertThat(out).containsKey(TraceContextPropagator.TRACEPARENT);
            Context back = W3C.extract(Context.root(), out, MultiMapCarrier.GETTER);
            SpanContext sc2 = Span.fromContext(back).getSpanContext();
            assertThat(sc2.isValid()).as("re-injected %s parses back", out).isTrue();
            assertThat(sc2.getTraceId()).isEqualTo(sc.getTraceId());
            assertThat(sc2.getSpanId()).isEqualTo(sc.getSpanId());
            assertThat(sc2.isSampled()).isEqualTo(sc.isSampled());
            assertThat(TraceContextPropagator.isTraceIdRandom(back, sc2))
                    .isEqualTo(TraceContextPropagator.isTraceIdRandom(w3c, sc));
            assertSubsequence(sc2.getTraceState(), sc.getTraceState(), out);
        } else {
            assertThat(w3c).as("an invalid traceparent leaves the context as it was").isSameAs(Context.root());
        }

        // every format together
        Context all = ALL.extract(Context.root(), headers, MultiMapCarrier.GETTER);
        SpanContext any = Span.fromContext(all).getSpanContext();
        if (any.isValid()) {
            assertValidRemote(any);
            Map<String, List<String>> out = new LinkedHashMap<>();
            ALL.inject(all, out, MultiMapCarrier.SETTER);
            SpanContext w3cBack = Span.fromContext(W3C.extract(Context.root(), out, MultiMapCarrier.GETTER))
                    .getSpanContext();
            SpanContext allBack = Span.fromContext(ALL.extract(Context.root(), out, MultiMapCarrier.GETTER))
                    .getSpanContext();
            for (SpanContext back : List.of(w3cBack, allBack)) {
                assertThat(back.isValid()).as("re-injected %s parses back", out).isTrue();
                assertThat(back.getTraceId()).isEqualTo(any.getTraceId());
                assertThat(back.getSpanId()).isEqualTo(any.getSpanId());
                assertThat(back.isSampled()).isEqualTo(any.isSampled());
            }
        }
    }

    /** {@code name: value} lines (a value's first space dropped); a line without a colon is a value of {@code b3}. */
    static Map<String, List<String>> headers(String text) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int lines = 0;
        for (String line : text.split("\n", -1)) {
            if (++lines > MAX_LINES) {
                break;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "b3" : line.substring(0, colon);
            String value = colon < 0 ? line : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return headers;
    }

    private static void assertValidRemote(SpanContext sc) {
        assertThat(sc.isRemote()).isTrue();
        assertThat(TraceId.isValid(sc.getTraceId())).as("trace-id %s", sc.getTraceId()).isTrue();
        assertThat(SpanId.isValid(sc.getSpanId())).as("span-id %s", sc.getSpanId()).isTrue();
        assertThat(sc.getTraceState()).isNotNull();
    }

    /** {@code back} holds members of {@code sent}, in the same order and with the same values. */
    private static void assertSubsequence(TraceState back, TraceState sent, Object out) {
        List<Map.Entry<String, String>> sentMembers = members(sent);
        List<Map.Entry<String, String>> backMembers = members(back);
        int at = 0;
        for (Map.Entry<String, String> m : backMembers) {
            while (at < sentMembers.size() && !sentMembers.get(at).equals(m)) {
                at++;
            }
            assertThat(at).as("tracestate member %s of %s was sent (%s)", m, out, sentMembers)
                    .isLessThan(sentMembers.size());
            at++;
        }
        int length = sentMembers.size() - 1;
        for (Map.Entry<String, String> m : sentMembers) {
            length += m.getKey().length() + 1 + m.getValue().length();
        }
        if (length <= TraceContextPropagator.MAX_TRACESTATE_LENGTH) {
            assertThat(backMembers).as("tracestate within the limit comes back whole (%s)", out)
                    .isEqualTo(sentMembers);
        }
    }

    private static List<Map.Entry<String, String>> members(TraceState state) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        state.forEach((k, v) -> out.add(Map.entry(k, v)));
        return out;
    }
}

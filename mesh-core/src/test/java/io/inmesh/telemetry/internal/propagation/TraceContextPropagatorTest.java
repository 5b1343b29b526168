package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceContextPropagatorTest {
    static final String T = "12345678901234567890123456789012";
    static final String P = "1234567890123456";
    static final TraceContextPropagator PROPAGATOR = TraceContextPropagator.getInstance();

    static Map<String, List<String>> headers(String... nameValues) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.computeIfAbsent(nameValues[i], k -> new ArrayList<>()).add(nameValues[i + 1]);
        }
        return map;
    }

    static SpanContext extract(String... nameValues) {
        return Span.fromContext(PROPAGATOR.extract(Context.root(), headers(nameValues), MultiMapCarrier.GETTER))
                .getSpanContext();
    }

    static Map<String, List<String>> inject(Context context) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        PROPAGATOR.inject(context, out, MultiMapCarrier.SETTER);
        return out;
    }

    @Test
    void fieldsAreTheTwoHeaders() {
        assertThat(PROPAGATOR.fields()).containsExactly("traceparent", "tracestate");
    }

    @Test
    void extractsTheWholeFlagsByteOnTheRemoteContext() {
        SpanContext sc = extract("traceparent", "00-" + T + "-" + P + "-ff");
        assertThat(sc.isValid()).isTrue();
        assertThat(sc.isRemote()).isTrue();
        assertThat(sc.getTraceFlags().asByte()).isEqualTo((byte) 0xff);
    }

    @Test
    void reinjectingTheExtractedContextKeepsIdsAndZeroesReservedFlags() {
        Context extracted = PROPAGATOR.extract(Context.root(),
                headers("traceparent", "00-" + T + "-" + P + "-07", "tracestate", "a=1"), MultiMapCarrier.GETTER);
        assertThat(inject(extracted)).containsEntry("traceparent", List.of("00-" + T + "-" + P + "-03"))
                .containsEntry("tracestate", List.of("a=1"));
    }

    @Test
    void upperCaseHexIsInvalid() {
        assertThat(extract("traceparent", "00-" + T.replace('1', 'A') + "-" + P + "-01").isValid()).isFalse();
        assertThat(extract("traceparent", "00-1234567890123456789012345678901A-" + P + "-01").isValid()).isFalse();
        assertThat(extract("traceparent", "00-" + T + "-123456789012345A-01").isValid()).isFalse();
        assertThat(extract("traceparent", "00-" + T + "-" + P + "-0A").isValid()).isFalse();
        assertThat(extract("traceparent", "0A-" + T + "-" + P + "-01").isValid()).isFalse();
    }

    @Test
    void higherVersionNeedsFiftyFiveCharactersAndADashAfterTheFlags() {
        assertThat(extract("traceparent", "01-" + T + "-" + P + "-01").isValid()).isTrue();
        assertThat(extract("traceparent", "fe-" + T + "-" + P + "-01-").isValid()).isTrue();
        assertThat(extract("traceparent", "fe-" + T + "-" + P + "-01x").isValid()).isFalse();
        assertThat(extract("traceparent", "fe-" + T + "-" + P + "-1").isValid()).isFalse();
        assertThat(extract("traceparent", "fe-" + T + "-" + P + "-0g-x").isValid()).isFalse();
    }

    @Test
    void owsInsideTheValueOrOtherWhitespaceIsInvalid() {
        assertThat(extract("traceparent", "00-" + T + " -" + P + "-01").isValid()).isFalse();
        assertThat(extract("traceparent", "\n00-" + T + "-" + P + "-01").isValid()).isFalse();
        assertThat(extract("traceparent", "  \t ").isValid()).isFalse();
        assertThat(extract("traceparent", "").isValid()).isFalse();
    }

    @Test
    void duplicateTraceparentIsInvalidEvenWhenBothLinesAreEqual() {
        String tp = "00-" + T + "-" + P + "-01";
        assertThat(extract("traceparent", tp, "traceparent", tp).isValid()).isFalse();
    }

    @Test
    void aGetterWithoutGetAllThatJoinsLinesWithCommasIsSeenAsInvalid() {
        TextMapGetter<String> joined = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(String carrier) {
                return List.of("traceparent");
            }

            @Override
            public String get(String carrier, String key) {
                return key.equals("traceparent") ? carrier : null;
            }
        };
        String tp = "00-" + T + "-" + P + "-01";
        assertThat(Span.fromContext(PROPAGATOR.extract(Context.root(), tp, joined)).getSpanContext().isValid())
                .isTrue();
        assertThat(Span.fromContext(PROPAGATOR.extract(Context.root(), tp + "," + tp, joined)).getSpanContext()
                .isValid()).isFalse();
        assertThat(Span.fromContext(PROPAGATOR.extract(Context.root(), tp + ", " + tp, joined)).getSpanContext()
                .isValid()).isFalse();
    }

    @Test
    void invalidTraceparentLeavesTheContextAsItWas() {
        Context before = Context.root().with(Span.wrap(SpanContext.create(
                "abcdefabcdefabcdefabcdefabcdefab", "abcdefabcdefabcd", TraceFlags.getSampled(), TraceState.getDefault())));
        Context after = PROPAGATOR.extract(before, headers("traceparent", "ff-" + T + "-" + P + "-01",
                "tracestate", "a=1"), MultiMapCarrier.GETTER);
        assertThat(after).isSameAs(before);
        assertThat(PROPAGATOR.extract(null, headers(), MultiMapCarrier.GETTER)).isSameAs(Context.root());
        assertThat(PROPAGATOR.extract(before, headers(), null)).isSameAs(before);
    }

    @Test
    void anInvalidTracestateDoesNotAffectTheTraceparent() {
        SpanContext sc = extract("traceparent", "00-" + T + "-" + P + "-01", "tracestate", "a=1,B=2");
        assertThat(sc.isValid()).isTrue();
        assertThat(sc.getTraceState().isEmpty()).isTrue();
    }

    @Test
    void tracestateMembersKeepOrderValueLeadingSpacesAndLevelTwoKeys() {
        TraceState ts = extract("traceparent", "00-" + T + "-" + P + "-01",
                "tracestate", ",, congo=t61rcWkgMzE ,\t1tenant@vendor@x= lead", "tracestate", " ,rojo=00f067aa0ba902b7")
                .getTraceState();
        assertThat(ts.asMap()).containsExactly(
                Map.entry("congo", "t61rcWkgMzE"), Map.entry("1tenant@vendor@x", " lead"),
                Map.entry("rojo", "00f067aa0ba902b7"));
        // OpenTelemetry's own builder (level 1 grammar) would have dropped "1tenant@vendor@x" silently:
        assertThat(TraceState.builder().put("1tenant@vendor@x", "v").build().isEmpty()).isTrue();
    }

    @Test
    void tracestateRejectsTabsInValuesAndEmptyKeysAndLongValues() {
        String tp = "00-" + T + "-" + P + "-01";
        assertThat(extract("traceparent", tp, "tracestate", "a=1\t2").getTraceState().isEmpty()).isTrue();
        assertThat(extract("traceparent", tp, "tracestate", "=1").getTraceState().isEmpty()).isTrue();
        assertThat(extract("traceparent", tp, "tracestate", "a").getTraceState().isEmpty()).isTrue();
        assertThat(extract("traceparent", tp, "tracestate", "a=" + "x".repeat(256)).getTraceState().size())
                .isEqualTo(1);
        assertThat(extract("traceparent", tp, "tracestate", "a=" + "x".repeat(257)).getTraceState().isEmpty())
                .isTrue();
        assertThat(extract("traceparent", tp, "tracestate", "a=é").getTraceState().isEmpty()).isTrue();
    }

    @Test
    void thirtyTwoMembersWithEmptyOnesAreAccepted() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            s.append("k").append(i).append("=v,,");
        }
        assertThat(extract("traceparent", "00-" + T + "-" + P + "-01", "tracestate", s.toString())
                .getTraceState().size()).isEqualTo(32);
    }

    @Test
    void tracestateOverFiveHundredTwelveCharactersDropsLongMembersFirstRightMostFirst() {
        // 8 members of 60 characters (k0=..., 62 with "=") plus two long members of 150 characters
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            members.add("k" + i + "=" + "v".repeat(57)); // 60 characters
        }
        members.add(2, "long1=" + "x".repeat(144)); // 150 characters
        members.add(5, "long2=" + "y".repeat(144));
        String header = String.join(",", members);
        assertThat(header.length()).isEqualTo(8 * 60 + 2 * 150 + 9);
        Context extracted = PROPAGATOR.extract(Context.root(),
                headers("traceparent", "00-" + T + "-" + P + "-01", "tracestate", header), MultiMapCarrier.GETTER);
        assertThat(Span.fromContext(extracted).getSpanContext().getTraceState().size())
                .as("accepted whole on extraction").isEqualTo(10);

        String sent = inject(extracted).get("tracestate").get(0);
        // dropping long2 (right-most long member) leaves 8*60 + 150 + 8 = 638; dropping long1 too leaves 487
        List<String> expected = new ArrayList<>(members);
        expected.remove(5);
        expected.remove(2);
        assertThat(sent).isEqualTo(String.join(",", expected)).hasSize(487);
    }

    @Test
    void tracestateTruncationDropsOnlyAsManyLongMembersAsNeededThenFromTheRight() {
        List<String> members = new ArrayList<>();
        members.add("long=" + "x".repeat(130)); // 135 characters
        for (int i = 0; i < 7; i++) {
            members.add("k" + i + "=" + "v".repeat(57)); // 60 characters
        }
        // 135 + 420 + 7 = 562: dropping the long member is enough (420 + 6 = 426)
        assertThat(encode(members)).isEqualTo(String.join(",", members.subList(1, 8)));

        List<String> shortOnes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            shortOnes.add("k" + i + "=" + "v".repeat(57));
        }
        // 600 + 9 = 609: drop from the right until <= 512: 8 members = 480 + 7 = 487
        assertThat(encode(shortOnes)).isEqualTo(String.join(",", shortOnes.subList(0, 8)));
        assertThat(encode(List.of("a=1", "b=2"))).isEqualTo("a=1,b=2");
        assertThat(encode(List.of())).isNull();
    }

    private static String encode(List<String> members) {
        String[] entries = new String[members.size() * 2];
        for (int i = 0; i < members.size(); i++) {
            int eq = members.get(i).indexOf('=');
            entries[2 * i] = members.get(i).substring(0, eq);
            entries[2 * i + 1] = members.get(i).substring(eq + 1);
        }
        return TraceContextPropagator.encodeTraceState(W3CTraceState.wrap(entries));
    }

    @Test
    void aForeignTraceStateIsWrittenMemberByMember() {
        TraceState otel = TraceState.builder().put("b", "2").put("a", "1").build();
        Context ctx = Context.root().with(Span.wrap(SpanContext.create(T, P, TraceFlags.getSampled(), otel)));
        assertThat(inject(ctx)).containsEntry("tracestate", List.of("a=1,b=2"))
                .containsEntry("traceparent", List.of("00-" + T + "-" + P + "-01"));
    }

    @Test
    void nothingIsInjectedWithoutAValidSpan() {
        assertThat(inject(Context.root())).isEmpty();
        Map<String, List<String>> out = new LinkedHashMap<>();
        PROPAGATOR.inject(null, out, MultiMapCarrier.SETTER);
        assertThat(out).isEmpty();
    }

    @Test
    void markTraceIdRandomAppliesOnlyToThatTrace() {
        SpanContext sc = SpanContext.create(T, P, TraceFlags.getSampled(), TraceState.getDefault());
        Context marked = TraceContextPropagator.markTraceIdRandom(Context.root(), T).with(Span.wrap(sc));
        assertThat(inject(marked).get("traceparent")).containsExactly("00-" + T + "-" + P + "-03");
        assertThat(TraceContextPropagator.isTraceIdRandom(marked, sc)).isTrue();

        Context other = TraceContextPropagator.markTraceIdRandom(Context.root(), "abcdefabcdefabcdefabcdefabcdefab")
                .with(Span.wrap(sc));
        assertThat(inject(other).get("traceparent")).containsExactly("00-" + T + "-" + P + "-01");
        assertThat(TraceContextPropagator.isTraceIdRandom(other, sc)).isFalse();
    }

    @Test
    void aTraceparentFormattedFromNumbersIsWhatInjectWritesForThoseIds() {
        long[][] ids = {{0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L},
                {0, 1, 1}, {-1L, -1L, -1L}, {1L << 63, 0, 0x10L}};
        for (long[] id : ids) {
            String traceId = io.opentelemetry.api.trace.TraceId.fromLongs(id[0], id[1]);
            String spanId = io.opentelemetry.api.trace.SpanId.fromLong(id[2]);
            for (TraceFlags flags : new TraceFlags[] {TraceFlags.getDefault(), TraceFlags.getSampled()}) {
                SpanContext sc = SpanContext.create(traceId, spanId, flags, TraceState.getDefault());
                Context random = TraceContextPropagator.markTraceIdRandom(Context.root(), traceId).with(Span.wrap(sc));
                int bits = flags.asByte() & TraceContextPropagator.SAMPLED;
                assertThat(TraceContextPropagator.traceparent(id[0], id[1], id[2],
                        bits | TraceContextPropagator.RANDOM_TRACE_ID))
                        .isEqualTo(inject(random).get("traceparent").get(0));
                assertThat(TraceContextPropagator.traceparent(id[0], id[1], id[2], bits))
                        .isEqualTo(inject(Context.root().with(Span.wrap(sc))).get("traceparent").get(0));
            }
        }
        assertThat(TraceContextPropagator.traceparent(1, 2, 3, 0xff)).as("reserved bits are written as zero")
                .endsWith("-03");
        assertThatThrownBy(() -> TraceContextPropagator.traceparent(0, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TraceContextPropagator.traceparent(1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void markTraceIdRandomRejectsWhatIsNotATraceId() {
        assertThatThrownBy(() -> TraceContextPropagator.markTraceIdRandom(Context.root(), "0".repeat(32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("traceId: 000");
        assertThatThrownBy(() -> TraceContextPropagator.markTraceIdRandom(Context.root(), "4BF92F3577B34DA6A3CE929D0E0E4736"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TraceContextPropagator.markTraceIdRandom(null, T))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tracestateIsReadInTwoPassesOverTheSameLines() {
        // a getter answering the lines once each time it is asked (no caching needed by the propagator)
        Map<String, List<String>> carrier = headers("traceparent", "00-" + T + "-" + P + "-01",
                "tracestate", "a=1", "tracestate", "b=2");
        int[] calls = {0};
        TextMapGetter<Map<String, List<String>>> counting = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(Map<String, List<String>> c) {
                return c.keySet();
            }

            @Override
            public String get(Map<String, List<String>> c, String key) {
                return MultiMapCarrier.GETTER.get(c, key);
            }

            @Override
            public Iterator<String> getAll(Map<String, List<String>> c, String key) {
                calls[0]++;
                return MultiMapCarrier.GETTER.getAll(c, key);
            }
        };
        SpanContext sc = Span.fromContext(PROPAGATOR.extract(Context.root(), carrier, counting)).getSpanContext();
        assertThat(sc.getTraceState().asMap()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(calls[0]).isEqualTo(3);
    }
}

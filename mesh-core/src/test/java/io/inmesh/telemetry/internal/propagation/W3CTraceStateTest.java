package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.TraceState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class W3CTraceStateTest {
    static W3CTraceState of(String... keyValues) {
        return W3CTraceState.wrap(keyValues.clone());
    }

    @Test
    void putMovesTheKeyToTheLeftAsTheSpecSays() {
        TraceState ts = of("congo", "a", "rojo", "b").toBuilder().put("rojo", "c").put("new", "d").build();
        assertThat(ts.asMap()).containsExactly(Map.entry("new", "d"), Map.entry("rojo", "c"), Map.entry("congo", "a"));
        assertThat(TraceContextPropagator.encodeTraceState(ts)).isEqualTo("new=d,rojo=c,congo=a");
    }

    @Test
    void builderIgnoresInvalidMembersAndAcceptsLevelTwoKeys() {
        TraceState ts = of("a", "1").toBuilder().put("B", "x").put("k", "bad,value").put("k", "trailing ")
                .put("1x@y@z", "ok").build();
        assertThat(ts.asMap()).containsExactly(Map.entry("1x@y@z", "ok"), Map.entry("a", "1"));
    }

    @Test
    void builderKeepsThirtyTwoMembersDroppingTheRightMost() {
        String[] entries = new String[64];
        for (int i = 0; i < 32; i++) {
            entries[2 * i] = "k" + i;
            entries[2 * i + 1] = "v";
        }
        TraceState ts = W3CTraceState.wrap(entries).toBuilder().put("first", "v").build();
        assertThat(ts.size()).isEqualTo(32);
        assertThat(ts.get("first")).isEqualTo("v");
        assertThat(ts.get("k0")).isEqualTo("v");
        assertThat(ts.get("k31")).isNull();
    }

    @Test
    void removeAndEmpty() {
        TraceState ts = of("a", "1").toBuilder().remove("a").remove(null).build();
        assertThat(ts.isEmpty()).isTrue();
        assertThat(ts).isSameAs(TraceState.getDefault());
    }

    @Test
    void valueObject() {
        assertThat(of("a", "1", "b", "2")).isEqualTo(of("a", "1", "b", "2")).hasSameHashCodeAs(of("a", "1", "b", "2"))
                .isNotEqualTo(of("b", "2", "a", "1"));
        assertThat(of("a", "1").get("b")).isNull();
        assertThat(of("a", "1").get(null)).isNull();
        assertThat(of("a", "1").toString()).isEqualTo("W3CTraceState{a=1}");
    }

    @Test
    void keyAndValueGrammar() {
        assertThat(W3CTraceState.isValidKey("a", 0, 1)).isTrue();
        assertThat(W3CTraceState.isValidKey("0", 0, 1)).isTrue();
        assertThat(W3CTraceState.isValidKey("a@", 0, 2)).isTrue();
        assertThat(W3CTraceState.isValidKey("@a", 0, 2)).isFalse();
        assertThat(W3CTraceState.isValidKey("_a", 0, 2)).isFalse();
        assertThat(W3CTraceState.isValidKey("a.b", 0, 3)).isFalse();
        assertThat(W3CTraceState.isValidKey("", 0, 0)).isFalse();
        assertThat(W3CTraceState.isValidKey("z".repeat(256), 0, 256)).isTrue();
        assertThat(W3CTraceState.isValidKey("z".repeat(257), 0, 257)).isFalse();
        assertThat(W3CTraceState.isValidValue(" x", 0, 2)).isTrue();
        assertThat(W3CTraceState.isValidValue("x ", 0, 2)).isFalse();
        assertThat(W3CTraceState.isValidValue("~", 0, 1)).isTrue();
        assertThat(W3CTraceState.isValidValue("\u007f", 0, 1)).isFalse();
        assertThat(W3CTraceState.isValidValue("", 0, 0)).isFalse();
    }
}

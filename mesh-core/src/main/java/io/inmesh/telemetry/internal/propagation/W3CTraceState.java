package io.inmesh.telemetry.internal.propagation;

import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A {@link TraceState} whose keys follow W3C Trace Context level 2 ({@code key = ( lcalpha / DIGIT ) 0*255 keychar},
 * {@code @} an ordinary key character). OpenTelemetry's own {@code TraceState.builder()} (1.55) still applies the
 * level 1 {@code tenant@system} grammar and silently drops level 2 keys such as {@code foo@bar@baz} or
 * {@code 1abc}, so the propagator carries what it extracted in this type instead. The SDK passes a parent's trace
 * state to its children as is, so the members reach the outbound request unchanged.
 *
 * <p>Immutable; entries are kept in wire order, left-most first.
 */
final class W3CTraceState implements TraceState {
    static final int MAX_MEMBERS = 32;
    static final int MAX_KEY_LENGTH = 256;
    static final int MAX_VALUE_LENGTH = 256;

    /** Keys at even, values at odd indexes. */
    private final String[] entries;
    /** The encoded header, computed on first send (immutable state: a race computes the same string twice). */
    private String header;

    private W3CTraceState(String[] entries) {
        this.entries = entries;
    }

    /** Takes ownership of {@code entries} (already validated: keys unique, at most 32 members). */
    static W3CTraceState wrap(String[] entries) {
        return new W3CTraceState(entries);
    }

    @Override
    public String get(String key) {
        if (key == null) {
            return null;
        }
        for (int i = 0; i < entries.length; i += 2) {
            if (entries[i].equals(key)) {
                return entries[i + 1];
            }
        }
        return null;
    }

    @Override
    public int size() {
        return entries.length / 2;
    }

    @Override
    public boolean isEmpty() {
        return entries.length == 0;
    }

    @Override
    public void forEach(BiConsumer<String, String> consumer) {
        for (int i = 0; i < entries.length; i += 2) {
            consumer.accept(entries[i], entries[i + 1]);
        }
    }

    @Override
    public Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        forEach(map::put);
        return Collections.unmodifiableMap(map);
    }

    @Override
    public TraceStateBuilder toBuilder() {
        return new Builder(entries);
    }

    String key(int member) {
        return entries[2 * member];
    }

    String value(int member) {
        return entries[2 * member + 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof W3CTraceState && Arrays.equals(entries, ((W3CTraceState) o).entries);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(entries);
    }

    @Override
    public String toString() {
        return "W3CTraceState" + asMap();
    }

    /** {@code key = ( lcalpha / DIGIT ) 0*255 ( keychar )}, keychar adds {@code _ - * / @}. */
    static boolean isValidKey(CharSequence s, int start, int end) {
        int length = end - start;
        if (length < 1 || length > MAX_KEY_LENGTH) {
            return false;
        }
        char first = s.charAt(start);
        if (!(first >= 'a' && first <= 'z' || first >= '0' && first <= '9')) {
            return false;
        }
        for (int i = start + 1; i < end; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '_' || c == '-' || c == '*' || c == '/' || c == '@')) {
                return false;
            }
        }
        return true;
    }

    /** {@code value = 0*255(chr) nblk-chr}: 0x20-0x7E except {@code ,} and {@code =}, not ending in a space. */
    static boolean isValidValue(CharSequence s, int start, int end) {
        int length = end - start;
        if (length < 1 || length > MAX_VALUE_LENGTH || s.charAt(end - 1) == ' ') {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
                return false;
            }
        }
        return true;
    }

    /**
     * Spec-following builder: a {@code put} moves its key to the left-most position (W3C "Mutating the tracestate
     * Field": modified keys MUST be moved to the beginning); past 32 members the right-most is dropped; an invalid
     * key or value is ignored, like OpenTelemetry's builder.
     */
    private static final class Builder implements TraceStateBuilder {
        private final LinkedHashMap<String, String> reversed = new LinkedHashMap<>();

        Builder(String[] entries) {
            for (int i = entries.length - 2; i >= 0; i -= 2) {
                reversed.put(entries[i], entries[i + 1]);
            }
        }

        @Override
        public TraceStateBuilder put(String key, String value) {
            if (key == null || value == null || !isValidKey(key, 0, key.length())
                    || !isValidValue(value, 0, value.length())) {
                return this;
            }
            reversed.remove(key);
            reversed.put(key, value);
            return this;
        }

        @Override
        public TraceStateBuilder remove(String key) {
            if (key != null) {
                reversed.remove(key);
            }
            return this;
        }

        @Override
        public TraceState build() {
            int members = Math.min(reversed.size(), MAX_MEMBERS);
            if (members == 0) {
                return TraceState.getDefault();
            }
            String[] out = new String[2 * members];
            int i = 0;
            String[] keys = reversed.keySet().toArray(new String[0]);
            for (int k = keys.length - 1; k >= 0 && i < out.length; k--) {
                out[i++] = keys[k];
                out[i++] = reversed.get(keys[k]);
            }
            return new W3CTraceState(out);
        }
    }

    /** The {@code tracestate} header for this state, as last encoded, or null before the first encoding. */
    String encoded() {
        return header;
    }

    void encoded(String value) {
        this.header = value;
    }
}

package io.inmesh.telemetry.internal.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * W3C Trace Context level 2 ({@code traceparent}, {@code tracestate}), strict.
 *
 * <p>Extraction:
 * <ul>
 *   <li>{@code traceparent} is read through {@link TextMapGetter#getAll}: more than one value is invalid. Leading and
 *       trailing spaces and tabs are ignored. Version {@code 00} must be exactly {@code
 *       00-<32 lower hex>-<16 lower hex>-<2 lower hex>}; version {@code ff} is invalid; a higher version is read from its
 *       first 55 characters when it is at least 55 long and the 56th character, if any, is {@code -} (spec "Versioning
 *       of traceparent"). Upper-case hex, all-zero trace-id or parent-id, wrong lengths: invalid.</li>
 *   <li>An invalid {@code traceparent} leaves the context unchanged (the caller starts a fresh trace) and
 *       {@code tracestate} is not looked at (spec: "If the vendor failed to parse traceparent, it MUST NOT attempt to
 *       parse tracestate").</li>
 *   <li>The whole trace-flags byte is kept on the remote {@link SpanContext}. When the random-trace-id flag (0x02) is
 *       set, the returned context also marks that trace-id as random, so that an SDK child span (whose flags carry
 *       only the sampled bit) still propagates the flag.</li>
 *   <li>{@code tracestate}: all values are combined in order (as if comma-joined, RFC 7230 3.2.2); empty and
 *       whitespace-only members are skipped; a member with an invalid key or value, a duplicate key, or more than 32
 *       members makes the whole {@code tracestate} invalid and it is dropped (the trace itself continues).</li>
 * </ul>
 *
 * <p>Injection writes {@code traceparent} as version {@code 00} in lower case, with the sampled flag of the span and
 * the random-trace-id flag when the span's own flags have it or its trace-id is marked random in the context; other
 * flag bits are written as zero (spec: reserved flags, "Vendors MUST set those to zero"). {@code tracestate} is
 * written only when non-empty; past 512 characters whole members are dropped, first members longer than 128
 * characters, right-most first, then members from the right (spec "tracestate Limits").
 *
 * <p>No regular expressions; the only allocations of an extraction are the resulting ids, trace state and contexts.
 */
public final class TraceContextPropagator implements TextMapPropagator {
    /** The {@code traceparent} header name. */
    public static final String TRACEPARENT = "traceparent";
    /** The {@code tracestate} header name. */
    public static final String TRACESTATE = "tracestate";

    /** The sampled bit of the trace flags. */
    public static final byte SAMPLED = 0x01;
    /** The random-trace-id bit of the trace flags (W3C Trace Context level 2). */
    public static final byte RANDOM_TRACE_ID = 0x02;
    static final int TRACEPARENT_LENGTH = 55;
    static final int MAX_TRACESTATE_LENGTH = 512;
    static final int LONG_MEMBER_LENGTH = 128;

    private static final TraceContextPropagator INSTANCE = new TraceContextPropagator();
    private static final List<String> FIELDS = List.of(TRACEPARENT, TRACESTATE);
    /** The trace-id (a String) whose random-trace-id flag is set. */
    private static final ContextKey<String> RANDOM_TRACE_ID_KEY = ContextKey.named("inmesh-random-trace-id");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TraceContextPropagator() {
    }

    /** The propagator (stateless). */
    public static TraceContextPropagator getInstance() {
        return INSTANCE;
    }

    /**
     * Marks {@code traceId} as generated with at least its right-most 7 bytes random, so that {@code traceparent}
     * headers injected from {@code context} or its descendants for a span of that trace carry the level 2
     * random-trace-id flag. For the tracing facade when it starts a root span whose id generator is random.
     *
     * @throws IllegalArgumentException when {@code traceId} is not a valid trace-id (32 lower hex, not all zero)
     */
    public static Context markTraceIdRandom(Context context, String traceId) {
        if (context == null) {
            throw new IllegalArgumentException("context: null (expected: a Context)");
        }
        if (traceId == null || !TraceId.isValid(traceId)) {
            throw new IllegalArgumentException(
                    "traceId: " + traceId + " (expected: 32 lower-case hex digits, not all zero)");
        }
        return context.with(RANDOM_TRACE_ID_KEY, traceId);
    }

    /**
     * Whether a span of {@code spanContext} propagates the random-trace-id flag from {@code context}: its own flags
     * have it, or its trace-id is marked random in the context (by extraction or {@link #markTraceIdRandom}).
     */
    public static boolean isTraceIdRandom(Context context, SpanContext spanContext) {
        if ((spanContext.getTraceFlags().asByte() & RANDOM_TRACE_ID) != 0) {
            return true;
        }
        String marked = context == null ? null : context.get(RANDOM_TRACE_ID_KEY);
        return marked != null && marked.equals(spanContext.getTraceId());
    }

    @Override
    public Collection<String> fields() {
        return FIELDS;
    }

    @Override
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        if (context == null || setter == null) {
            return;
        }
        SpanContext spanContext = Span.fromContext(context).getSpanContext();
        if (!spanContext.isValid()) {
            return;
        }
        int flags = spanContext.getTraceFlags().asByte() & SAMPLED;
        if (isTraceIdRandom(context, spanContext)) {
            flags |= RANDOM_TRACE_ID;
        }
        setter.set(carrier, TRACEPARENT, traceparent(spanContext.getTraceId(), spanContext.getSpanId(), flags));
        String tracestate = encodeTraceState(spanContext.getTraceState());
        if (tracestate != null) {
            setter.set(carrier, TRACESTATE, tracestate);
        }
    }

    @Override
    public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
        if (context == null) {
            context = Context.root();
        }
        if (getter == null) {
            return context;
        }
        Iterator<String> values = getter.getAll(carrier, TRACEPARENT);
        if (values == null || !values.hasNext()) {
            return context;
        }
        String traceparent = values.next();
        if (traceparent == null || values.hasNext()) {
            return context; // duplicate traceparent: invalid
        }
        int start = 0;
        int end = traceparent.length();
        while (start < end && isOws(traceparent.charAt(start))) {
            start++;
        }
        while (end > start && isOws(traceparent.charAt(end - 1))) {
            end--;
        }
        int flags = parseTraceparent(traceparent, start, end);
        if (flags < 0) {
            return context;
        }
        String traceId = traceparent.substring(start + 3, start + 35);
        String spanId = traceparent.substring(start + 36, start + 52);
        TraceState traceState = parseTraceState(carrier, getter);
        SpanContext spanContext = SpanContext.createFromRemoteParent(
                traceId, spanId, TraceFlags.fromByte((byte) flags), traceState);
        if (!spanContext.isValid()) {
            return context;
        }
        Context extracted = context.with(Span.wrap(spanContext));
        if ((flags & RANDOM_TRACE_ID) != 0) {
            extracted = extracted.with(RANDOM_TRACE_ID_KEY, traceId);
        }
        return extracted;
    }

    @Override
    public String toString() {
        return "InMesh W3C TraceContextPropagator (level 2)";
    }

    /**
     * Validates {@code s[start, end)} (OWS already removed) as a traceparent and returns its trace-flags byte (0-255),
     * or -1 when invalid.
     */
    static int parseTraceparent(String s, int start, int end) {
        int length = end - start;
        if (length < TRACEPARENT_LENGTH) {
            return -1;
        }
        int version = hexByte(s, start);
        if (version < 0 || version == 0xff || s.charAt(start + 2) != '-') {
            return -1;
        }
        if (version == 0) {
            if (length != TRACEPARENT_LENGTH) {
                return -1; // version 00 has exactly four fields
            }
        } else if (length > TRACEPARENT_LENGTH && s.charAt(start + TRACEPARENT_LENGTH) != '-') {
            return -1; // a future version's flags must be followed by a dash or the end
        }
        if (!isLowerHexNotAllZero(s, start + 3, start + 35) || s.charAt(start + 35) != '-'
                || !isLowerHexNotAllZero(s, start + 36, start + 52) || s.charAt(start + 52) != '-') {
            return -1;
        }
        return hexByte(s, start + 53);
    }

    /**
     * Parses the combined {@code tracestate} values of {@code carrier}, in two passes over the getter's values: the
     * first validates and counts, the second builds the result (no intermediate copies).
     */
    static <C> TraceState parseTraceState(C carrier, TextMapGetter<C> getter) {
        Iterator<String> firstPass = getter.getAll(carrier, TRACESTATE);
        if (firstPass == null) {
            return TraceState.getDefault();
        }
        int members = 0;
        while (firstPass.hasNext()) {
            String value = firstPass.next();
            if (value == null) {
                continue;
            }
            int counted = countValidMembers(value);
            if (counted < 0) {
                return TraceState.getDefault();
            }
            members += counted;
            if (members > W3CTraceState.MAX_MEMBERS) {
                return TraceState.getDefault();
            }
        }
        if (members == 0) {
            return TraceState.getDefault();
        }
        Iterator<String> secondPass = getter.getAll(carrier, TRACESTATE);
        if (secondPass == null) {
            return TraceState.getDefault();
        }
        String[] entries = new String[2 * members];
        int next = 0;
        while (secondPass.hasNext() && next < entries.length) {
            String value = secondPass.next();
            if (value == null) {
                continue;
            }
            int length = value.length();
            int memberStart = 0;
            while (memberStart <= length && next < entries.length) {
                int comma = value.indexOf(',', memberStart);
                int memberEnd = comma < 0 ? length : comma;
                int a = memberStart;
                int b = memberEnd;
                while (a < b && isOws(value.charAt(a))) {
                    a++;
                }
                while (b > a && isOws(value.charAt(b - 1))) {
                    b--;
                }
                if (a < b) {
                    int eq = value.indexOf('=', a);
                    if (eq < 0 || eq >= b) {
                        return TraceState.getDefault(); // the getter answered differently the second time
                    }
                    String key = value.substring(a, eq);
                    for (int i = 0; i < next; i += 2) {
                        if (entries[i].equals(key)) {
                            return TraceState.getDefault(); // duplicate key: the whole tracestate is invalid
                        }
                    }
                    entries[next++] = key;
                    entries[next++] = value.substring(eq + 1, b);
                }
                memberStart = memberEnd + 1;
            }
        }
        if (next != entries.length) {
            return TraceState.getDefault(); // the getter answered differently the second time
        }
        return W3CTraceState.wrap(entries);
    }

    /** The number of non-empty members of one header value, or -1 when one of them is invalid. */
    private static int countValidMembers(String value) {
        int length = value.length();
        int count = 0;
        int memberStart = 0;
        while (memberStart <= length) {
            int comma = value.indexOf(',', memberStart);
            int memberEnd = comma < 0 ? length : comma;
            int a = memberStart;
            int b = memberEnd;
            while (a < b && isOws(value.charAt(a))) {
                a++;
            }
            while (b > a && isOws(value.charAt(b - 1))) {
                b--;
            }
            if (a < b) {
                int eq = value.indexOf('=', a);
                if (eq < 0 || eq >= b || !W3CTraceState.isValidKey(value, a, eq)
                        || !W3CTraceState.isValidValue(value, eq + 1, b)) {
                    return -1;
                }
                count++;
                if (count > W3CTraceState.MAX_MEMBERS) {
                    return -1;
                }
            }
            memberStart = memberEnd + 1;
        }
        return count;
    }

    /**
     * The {@code tracestate} header value for {@code traceState}, or null when there is nothing to send. Members that
     * are not valid level 2 members (possible only with a foreign {@link TraceState} implementation) are left out;
     * past 512 characters members are dropped as the spec says.
     */
    static String encodeTraceState(TraceState traceState) {
        if (traceState == null || traceState.isEmpty()) {
            return null;
        }
        W3CTraceState state;
        if (traceState instanceof W3CTraceState) {
            state = (W3CTraceState) traceState;
        } else {
            state = copyValid(traceState);
            if (state == null) {
                return null;
            }
        }
        String cached = state.encoded();
        if (cached != null) {
            return cached;
        }
        String encoded = encode(state);
        if (encoded != null) {
            state.encoded(encoded);
        }
        return encoded;
    }

    private static String encode(W3CTraceState state) {
        int members = state.size();
        int total = members - 1;
        for (int i = 0; i < members; i++) {
            total += memberLength(state, i);
        }
        boolean[] dropped = null;
        if (total > MAX_TRACESTATE_LENGTH) {
            dropped = new boolean[members];
            int kept = members;
            for (int i = members - 1; i >= 0 && total > MAX_TRACESTATE_LENGTH; i--) {
                int memberLength = memberLength(state, i);
                if (memberLength > LONG_MEMBER_LENGTH) {
                    dropped[i] = true;
                    total -= memberLength + (--kept > 0 ? 1 : 0);
                }
            }
            for (int i = members - 1; i >= 0 && total > MAX_TRACESTATE_LENGTH; i--) {
                if (!dropped[i]) {
                    dropped[i] = true;
                    total -= memberLength(state, i) + (--kept > 0 ? 1 : 0);
                }
            }
            if (kept == 0) {
                return null;
            }
        }
        StringBuilder out = new StringBuilder(total);
        for (int i = 0; i < members; i++) {
            if (dropped != null && dropped[i]) {
                continue;
            }
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(state.key(i)).append('=').append(state.value(i));
        }
        return out.toString();
    }

    private static int memberLength(W3CTraceState state, int member) {
        return state.key(member).length() + 1 + state.value(member).length();
    }

    private static W3CTraceState copyValid(TraceState traceState) {
        String[] entries = new String[2 * Math.min(traceState.size(), W3CTraceState.MAX_MEMBERS)];
        int[] next = {0};
        traceState.forEach((key, value) -> {
            if (next[0] < entries.length && key != null && value != null
                    && W3CTraceState.isValidKey(key, 0, key.length())
                    && W3CTraceState.isValidValue(value, 0, value.length())) {
                entries[next[0]++] = key;
                entries[next[0]++] = value;
            }
        });
        if (next[0] == 0) {
            return null;
        }
        return W3CTraceState.wrap(next[0] == entries.length ? entries : Arrays.copyOf(entries, next[0]));
    }

    static String traceparent(String traceId, String spanId, int flags) {
        char[] chars = new char[TRACEPARENT_LENGTH];
        chars[0] = '0';
        chars[1] = '0';
        chars[2] = '-';
        traceId.getChars(0, 32, chars, 3);
        chars[35] = '-';
        spanId.getChars(0, 16, chars, 36);
        chars[52] = '-';
        chars[53] = HEX[(flags >> 4) & 0xf];
        chars[54] = HEX[flags & 0xf];
        return new String(chars);
    }

    /**
     * The {@code traceparent} header of a span whose ids are the given numbers (trace-id {@code traceIdHigh} then
     * {@code traceIdLow}, big-endian, as {@code TraceId.fromLongs}; span-id as {@code SpanId.fromLong}), with
     * {@code flags} (the sampled and random-trace-id bits): the same text {@link #inject} writes for that span, made
     * without building the span's context. The ids must not be all zero.
     */
    public static String traceparent(long traceIdHigh, long traceIdLow, long spanId, int flags) {
        if (traceIdHigh == 0 && traceIdLow == 0 || spanId == 0) {
            throw new IllegalArgumentException("trace-id and span-id must not be all zero");
        }
        char[] chars = new char[TRACEPARENT_LENGTH];
        chars[0] = '0';
        chars[1] = '0';
        chars[2] = '-';
        hex(traceIdHigh, chars, 3);
        hex(traceIdLow, chars, 19);
        chars[35] = '-';
        hex(spanId, chars, 36);
        chars[52] = '-';
        flags &= SAMPLED | RANDOM_TRACE_ID;
        chars[53] = '0';
        chars[54] = HEX[flags];
        return new String(chars);
    }

    /** {@code value} as 16 lower-case hex digits at {@code at}. */
    private static void hex(long value, char[] chars, int at) {
        for (int i = 15; i >= 0; i--) {
            chars[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** Two lower-case hex digits at {@code at} as 0-255, or -1. */
    private static int hexByte(String s, int at) {
        int high = lowerHex(s.charAt(at));
        int low = lowerHex(s.charAt(at + 1));
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }

    private static boolean isLowerHexNotAllZero(String s, int start, int end) {
        boolean nonZero = false;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (lowerHex(c) < 0) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    private static int lowerHex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}

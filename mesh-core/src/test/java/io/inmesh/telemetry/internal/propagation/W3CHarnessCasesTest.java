package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every case of the W3C trace-context test harness ({@code test/test.py}, levels 1 and 2, see
 * {@code tracecontext/harness-cases.json}), played the way the harness plays it against a service: the headers are
 * extracted, an SDK child span (parent-based, always-on sampler) is started, and the child's context is injected
 * into the outgoing request, whose headers are then checked.
 */
class W3CHarnessCasesTest {
    static final String T = "12345678901234567890123456789012";
    static final String P = "1234567890123456";
    private static final Pattern REPEAT = Pattern.compile("\\$\\{(.)\\*(\\d+)}");
    private static final Pattern TRACEPARENT_FORMAT =
            Pattern.compile("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");

    private static final SdkTracerProvider PROVIDER =
            SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.alwaysOn())).build();
    private static final Tracer TRACER = PROVIDER.get("harness");
    private static final TraceContextPropagator PROPAGATOR = TraceContextPropagator.getInstance();

    @AfterAll
    static void close() {
        PROVIDER.close();
    }

    static Stream<Arguments> cases() throws IOException {
        JsonNode doc;
        try (InputStream in = W3CHarnessCasesTest.class.getResourceAsStream("/tracecontext/harness-cases.json")) {
            doc = JsonMapper.builder().build().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Arguments> out = new ArrayList<>();
        int index = 0;
        for (JsonNode c : doc.get("cases").values()) {
            index++;
            out.add(Arguments.of("#" + index + " L" + c.get("level").asInt() + " " + c.get("test").asString(), c));
        }
        return out.stream();
    }

    /** Expands {@code ${c*N}}. */
    static String expand(String s) {
        Matcher m = REPEAT.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The request as a header multimap (name as sent; several lines of one name kept in order). */
    static Map<String, List<String>> request(JsonNode headers) {
        Map<String, List<String>> request = new LinkedHashMap<>();
        for (JsonNode h : headers.values()) {
            request.computeIfAbsent(h.get(0).asString(), k -> new ArrayList<>()).add(expand(h.get(1).asString()));
        }
        return request;
    }

    /** Server: extract, start a SERVER span; client: start a CLIENT span under it, inject. Returns the outgoing headers. */
    static Map<String, List<String>> callThrough(Map<String, List<String>> incoming) {
        Context extracted = PROPAGATOR.extract(Context.root(), incoming, MultiMapCarrier.GETTER);
        Span server = TRACER.spanBuilder("server").setSpanKind(SpanKind.SERVER).setParent(extracted).startSpan();
        Context serverContext = extracted.with(server);
        Span client = TRACER.spanBuilder("client").setSpanKind(SpanKind.CLIENT).setParent(serverContext).startSpan();
        Map<String, List<String>> outgoing = new LinkedHashMap<>();
        PROPAGATOR.inject(serverContext.with(client), outgoing, MultiMapCarrier.SETTER);
        client.end();
        server.end();
        return outgoing;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void harnessCase(String name, JsonNode c) {
        Map<String, List<String>> incoming = request(c.get("headers"));
        Context extracted = PROPAGATOR.extract(Context.root(), incoming, MultiMapCarrier.GETTER);
        SpanContext remote = Span.fromContext(extracted).getSpanContext();

        Map<String, List<String>> outgoing = callThrough(incoming);

        assertThat(outgoing.get("traceparent")).as("exactly one traceparent").hasSize(1);
        Matcher tp = TRACEPARENT_FORMAT.matcher(outgoing.get("traceparent").get(0));
        assertThat(tp.matches()).as("outgoing traceparent %s", outgoing.get("traceparent")).isTrue();
        String traceId = tp.group(1);
        String parentId = tp.group(2);
        assertThat(parentId).isNotEqualTo(P);

        if (c.get("traceparent").asString().equals("kept")) {
            assertThat(remote.isValid()).as("extracted").isTrue();
            assertThat(remote.isRemote()).isTrue();
            assertThat(traceId).isEqualTo(T);
        } else {
            assertThat(remote.isValid()).as("nothing extracted").isFalse();
            assertThat(traceId).isNotEqualTo(T).isNotEqualTo("0".repeat(32));
            if (c.has("notTraceIds")) {
                for (JsonNode not : c.get("notTraceIds").values()) {
                    assertThat(traceId).isNotEqualTo(not.asString());
                }
            }
        }
        if (c.has("flags")) {
            assertThat(tp.group(3)).as("outgoing trace-flags").isEqualTo(c.get("flags").asString());
        }
        JsonNode tracestate = c.get("tracestate");
        if (tracestate == null || tracestate.isNull()) {
            assertThat(outgoing).doesNotContainKey("tracestate");
        } else {
            assertThat(outgoing.get("tracestate")).containsExactly(expand(tracestate.asString()));
        }
    }

    @Test
    void multipleRequestsWithValidTraceparentShareTheTraceWithDistinctParentIds() {
        assertThreeCallbacks(Map.of("traceparent", List.of("00-" + T + "-" + P + "-01")), true);
    }

    @Test
    void multipleRequestsWithoutTraceparentHaveDistinctParentIds() {
        assertThreeCallbacks(Map.of(), false);
    }

    @Test
    void multipleRequestsWithIllegalTraceparentStartNewTraces() {
        assertThreeCallbacks(Map.of("traceparent", List.of("00-" + "0".repeat(32) + "-" + P + "-01")), false);
    }

    /** AdvancedTest: one inbound request, three outbound calls (a client span each). */
    private static void assertThreeCallbacks(Map<String, List<String>> incoming, boolean kept) {
        Context extracted = PROPAGATOR.extract(Context.root(), incoming, MultiMapCarrier.GETTER);
        Span server = TRACER.spanBuilder("server").setSpanKind(SpanKind.SERVER).setParent(extracted).startSpan();
        Context serverContext = extracted.with(server);
        Set<String> traceIds = new HashSet<>();
        Set<String> parentIds = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Span client = TRACER.spanBuilder("client").setSpanKind(SpanKind.CLIENT).setParent(serverContext)
                    .startSpan();
            Map<String, List<String>> outgoing = new LinkedHashMap<>();
            PROPAGATOR.inject(serverContext.with(client), outgoing, MultiMapCarrier.SETTER);
            client.end();
            Matcher tp = TRACEPARENT_FORMAT.matcher(outgoing.get("traceparent").get(0));
            assertThat(tp.matches()).isTrue();
            traceIds.add(tp.group(1));
            parentIds.add(tp.group(2));
        }
        server.end();
        assertThat(traceIds).hasSize(1).doesNotContain("0".repeat(32));
        if (kept) {
            assertThat(traceIds).containsExactly(T);
        } else {
            assertThat(traceIds).doesNotContain(T);
        }
        assertThat(parentIds).hasSize(3);
    }
}

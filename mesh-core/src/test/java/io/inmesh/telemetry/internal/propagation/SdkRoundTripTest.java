package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Extract, start a child with the OpenTelemetry SDK (which gives children only the sampled bit), inject: the level 2
 * random-trace-id flag survives, the sampled flag is what the SDK's sampler decided, tracestate is passed on.
 */
class SdkRoundTripTest {
    static final String T = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String P = "00f067aa0ba902b7";
    static final String TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    static final TraceContextPropagator PROPAGATOR = TraceContextPropagator.getInstance();

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    private SdkTracerProvider provider(Sampler sampler) {
        return SdkTracerProvider.builder().setSampler(sampler)
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    }

    /** Returns the outgoing headers of a client span started (as current) under the server span. */
    private Map<String, List<String>> serverThenClient(SdkTracerProvider provider, String flags) {
        Map<String, List<String>> incoming = new LinkedHashMap<>();
        incoming.put("traceparent", List.of("00-" + T + "-" + P + "-" + flags));
        incoming.put("tracestate", List.of(TRACESTATE));
        Context extracted = PROPAGATOR.extract(Context.root(), incoming, MultiMapCarrier.GETTER);
        Map<String, List<String>> outgoing = new LinkedHashMap<>();
        Span server = provider.get("t").spanBuilder("GET /").setSpanKind(SpanKind.SERVER).setParent(extracted)
                .startSpan();
        try (Scope ignored = extracted.with(server).makeCurrent()) {
            Span client = provider.get("t").spanBuilder("GET").setSpanKind(SpanKind.CLIENT).startSpan();
            try (Scope ignored2 = client.makeCurrent()) {
                assertThat(client.getSpanContext().getTraceFlags().asByte() & 0x02)
                        .as("the SDK (1.55) drops the random bit on its own spans").isZero();
                PROPAGATOR.inject(Context.current(), outgoing, MultiMapCarrier.SETTER);
            } finally {
                client.end();
            }
        } finally {
            server.end();
        }
        return outgoing;
    }

    private static String flagsOf(Map<String, List<String>> headers) {
        String tp = headers.get("traceparent").get(0);
        assertThat(tp).startsWith("00-" + T + "-").hasSize(55);
        assertThat(tp.substring(36, 52)).isNotEqualTo(P);
        return tp.substring(53);
    }

    @Test
    void randomAndSampledParentWithParentBasedSampler() {
        try (SdkTracerProvider provider = provider(Sampler.parentBased(Sampler.alwaysOff()))) {
            Map<String, List<String>> out = serverThenClient(provider, "03");
            assertThat(flagsOf(out)).isEqualTo("03");
            assertThat(out.get("tracestate")).containsExactly(TRACESTATE);
            List<SpanData> spans = exporter.getFinishedSpanItems();
            assertThat(spans).hasSize(2);
            SpanData server = spans.get(1);
            assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(server.getTraceId()).isEqualTo(T);
            assertThat(server.getParentSpanId()).isEqualTo(P);
            assertThat(server.getParentSpanContext().isRemote()).isTrue();
            assertThat(server.getSpanContext().getTraceState().asMap()).containsKeys("congo", "rojo");
            assertThat(spans.get(0).getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(out.get("traceparent").get(0).substring(36, 52)).isEqualTo(spans.get(0).getSpanId());
        }
    }

    @Test
    void randomUnsampledParentWithParentBasedSampler() {
        try (SdkTracerProvider provider = provider(Sampler.parentBased(Sampler.alwaysOn()))) {
            Map<String, List<String>> out = serverThenClient(provider, "02");
            assertThat(flagsOf(out)).isEqualTo("02");
            assertThat(out.get("tracestate")).containsExactly(TRACESTATE);
            assertThat(exporter.getFinishedSpanItems()).isEmpty();
        }
    }

    @Test
    void theSamplerMayChangeTheSampledBitButNotTheRandomBit() {
        try (SdkTracerProvider provider = provider(Sampler.alwaysOff())) {
            assertThat(flagsOf(serverThenClient(provider, "03"))).isEqualTo("02");
        }
        try (SdkTracerProvider provider = provider(Sampler.alwaysOn())) {
            assertThat(flagsOf(serverThenClient(provider, "02"))).isEqualTo("03");
            assertThat(flagsOf(serverThenClient(provider, "00"))).isEqualTo("01");
        }
    }

    @Test
    void aRootTheFacadeMarksRandomCarriesTheFlag() {
        try (SdkTracerProvider provider = provider(Sampler.alwaysOn())) {
            Span root = provider.get("t").spanBuilder("GET /").setSpanKind(SpanKind.SERVER)
                    .setParent(Context.root()).startSpan();
            String traceId = root.getSpanContext().getTraceId();
            Context marked = TraceContextPropagator.markTraceIdRandom(Context.root(), traceId).with(root);
            Span child = provider.get("t").spanBuilder("GET").setParent(marked).startSpan();
            Map<String, List<String>> out = new LinkedHashMap<>();
            PROPAGATOR.inject(marked.with(child), out, MultiMapCarrier.SETTER);
            assertThat(out.get("traceparent").get(0)).endsWith("-03");

            Map<String, List<String>> unmarked = new LinkedHashMap<>();
            PROPAGATOR.inject(Context.root().with(root).with(child), unmarked, MultiMapCarrier.SETTER);
            assertThat(unmarked.get("traceparent").get(0)).endsWith("-01");
            child.end();
            root.end();
        }
    }
}

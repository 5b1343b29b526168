package io.inmesh.telemetry.internal.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An allocation check, not a timing check: extracting a valid {@code traceparent} allocates about the resulting
 * objects only (two id strings, the span context, the span wrapper, the context), not copies of the header.
 */
class ExtractAllocationTest {
    private static final int OPS = 10_000;
    /**
     * Measured 280 bytes per extract (compressed oops; two id strings, span context, span wrapper, context, and the
     * getter's 16-byte iterator). A regex, a split or a copy of the header would go past this bound.
     */
    private static final long MAX_BYTES_PER_OP = 512;

    /** A getter that allocates only a tiny iterator per call, so the figure is essentially the propagator's. */
    private static final TextMapGetter<Map<String, List<String>>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, List<String>> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, List<String>> carrier, String key) {
            List<String> v = carrier.get(key);
            return v == null ? null : v.get(0);
        }

        @Override
        public Iterator<String> getAll(Map<String, List<String>> carrier, String key) {
            List<String> v = carrier.get(key);
            return v == null ? Collections.emptyIterator() : new SingleIterator(v.get(0));
        }
    };

    private static final class SingleIterator implements Iterator<String> {
        private String next;

        SingleIterator(String next) {
            this.next = next;
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public String next() {
            String n = next;
            next = null;
            return n;
        }
    }

    @Test
    void extractingAValidTraceparentAllocatesOnlyTheResult() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        Map<String, List<String>> carrier =
                Map.of("traceparent", List.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"));
        TraceContextPropagator propagator = TraceContextPropagator.getInstance();
        long sink = 0;
        for (int i = 0; i < OPS; i++) { // warm-up
            sink += Span.fromContext(propagator.extract(Context.root(), carrier, GETTER)).getSpanContext()
                    .getTraceFlags().asByte();
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < OPS; i++) {
            sink += Span.fromContext(propagator.extract(Context.root(), carrier, GETTER)).getSpanContext()
                    .getTraceFlags().asByte();
        }
        long perOp = (threads.getThreadAllocatedBytes(thread) - before) / OPS;
        assertThat(sink).isEqualTo(2L * OPS * 3);
        assertThat(perOp).as("bytes allocated per extract").isLessThanOrEqualTo(MAX_BYTES_PER_OP);
        System.out.println("TraceContextPropagator.extract: " + perOp + " bytes/op");
    }
}

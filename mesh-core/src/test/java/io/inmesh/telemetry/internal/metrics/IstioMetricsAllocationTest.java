package io.inmesh.telemetry.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Recording a label combination already seen allocates nothing (an allocation check, not a timing one). */
class IstioMetricsAllocationTest {
    private static final int CALLS = 10_000;

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation accounting unsupported");
        if (!threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        return threads;
    }

    private static void run(IstioMetrics m, PeerLabels[] peers, String[] services) {
        for (int i = 0; i < CALLS; i++) {
            int code = (i & 7) == 0 ? 503 : 200;
            m.recordClient(peers[i & 1], services[i & 1], code, 0, (i & 2) == 0, 1_000_000L + i, i & 1023,
                    i & 4095);
            m.recordServer(peers[i & 1], services[i & 1], code, 0, (i & 2) == 0, 1_000_000L + i, i & 1023,
                    i & 4095);
        }
    }

    @Test
    void steadyStateRecordingDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads = threads();
        long id = Thread.currentThread().getId();
        IstioMetrics m = new IstioMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                IstioMetricsTest.PRODUCTPAGE);
        PeerLabels[] peers = {IstioMetricsTest.REVIEWS_V2, PeerLabels.unknown()};
        String[] services = {IstioMetricsTest.REVIEWS, "ratings.default.svc.cluster.local"};
        for (int warm = 0; warm < 20; warm++) {
            run(m, peers, services); // first sight of each combination, then JIT compilation
        }
        long before = threads.getThreadAllocatedBytes(id);
        run(m, peers, services);
        long bytes = threads.getThreadAllocatedBytes(id) - before;
        assertThat((double) bytes / (2 * CALLS)).as("bytes per record (%d in total)", bytes).isLessThan(2.0);
    }
}

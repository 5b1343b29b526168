package io.inmesh.benchmarks;

import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Retained heap of a compiled snapshot (plus the holder), for 100, 1000 and 10000 routes: heap used after a full
 * GC with the holder alive, minus heap used after a full GC before it was built. Run with a fixed heap and
 * {@code -XX:+UseSerialGC} for stable figures. Prints one line per size: {@code routes=N retained_mb=X}.
 */
public final class SnapshotHeap {
    private SnapshotHeap() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[] {100, 1000, 10000} : java.util.Arrays.stream(args)
                .mapToInt(Integer::parseInt).toArray();
        for (int routes : sizes) {
            var files = RouteConfigs.files(routes);
            long before = usedAfterGc();
            ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
            ConfigUpdate u = holder.update(files);
            if (!(u instanceof ConfigUpdate.Applied)) {
                throw new IllegalStateException("not applied: " + u);
            }
            files = null;
            long after = usedAfterGc();
            System.out.printf("routes=%d retained_mb=%.2f resources=%d%n", routes, (after - before) / 1048576.0,
                    holder.current().resources().size());
            java.lang.ref.Reference.reachabilityFence(holder);
        }
    }

    static long usedAfterGc() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

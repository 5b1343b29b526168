package io.inmesh.benchmarks;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.traffic.internal.MeshCall;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;

/**
 * Retained heap for 100, 1000 and 10000 routes ({@link RouteConfigs}: ten routes a service), measured as heap used
 * after a full GC with the object alive minus heap used after a full GC before it was built:
 * <ul>
 *   <li>{@code retained_mb}: a {@link ConfigHolder} and its compiled snapshot;</li>
 *   <li>{@code mesh_retained_mb}: a whole {@link Mesh} (config holder and snapshot, traffic plane, security and
 *       telemetry planes) over the same routes plus a STATIC ServiceEntry per service (two endpoints, one per
 *       subset, {@link RouteConfigs#serviceEntries}), after one request to every service, so that every
 *       destination's cluster (load balancer, outlier detection, connection limits) exists, as in a process that
 *       has called all of them.</li>
 * </ul>
 * A round over 10 routes runs first, unmeasured, so that state classes create once (parsers, tables) is not counted.
 * Run with a fixed heap and {@code -XX:+UseSerialGC} for stable figures. Prints one line per size:
 * {@code routes=N retained_mb=X resources=R mesh_retained_mb=Y}.
 */
public final class SnapshotHeap {
    private SnapshotHeap() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[] {100, 1000, 10000} : java.util.Arrays.stream(args)
                .mapToInt(Integer::parseInt).toArray();
        // One unmeasured round first: classes' static state (parsers, tables, caches) is not the snapshot's.
        measure(10, false);
        for (int routes : sizes) {
            measure(routes, true);
        }
    }

    private static void measure(int routes, boolean print) throws Exception {
        {
            List<ConfigFile> files = RouteConfigs.files(routes);
            long before = usedAfterGc();
            ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
            ConfigUpdate u = holder.update(files);
            if (!(u instanceof ConfigUpdate.Applied)) {
                throw new IllegalStateException("not applied: " + u);
            }
            long after = usedAfterGc();
            int resources = holder.current().resources().size();
            java.lang.ref.Reference.reachabilityFence(holder);
            holder = null;

            long meshBefore = usedAfterGc();
            List<ConfigFile> withEndpoints = new java.util.ArrayList<>(files);
            withEndpoints.add(RouteConfigs.serviceEntries(routes));
            Mesh mesh = Mesh.builder().workload(Workload.of("bench")).configFiles(withEndpoints).build();
            int services = Math.max(1, routes / RouteConfigs.ROUTES_PER_SERVICE);
            for (int s = 0; s < services; s++) {
                MeshCall call = mesh.traffic().start(new RouteSelectionFixture.FixedRequest("GET", "svc" + s, 80,
                        "/api/v1/users/42", "x-tenant", "t1"));
                MeshCall.Try t = call.nextTry();
                if (t == null) {
                    throw new IllegalStateException("svc" + s + ": no try: " + call.failureStatus() + " "
                            + call.failureDetail());
                }
                call.onResponse(t, 200, -1, false, true);
                t.release();
            }
            files = null;
            withEndpoints = null;
            long meshAfter = usedAfterGc();
            if (print) {
                System.out.printf("routes=%d retained_mb=%.2f resources=%d mesh_retained_mb=%.2f%n", routes,
                        (after - before) / 1048576.0, resources, (meshAfter - meshBefore) / 1048576.0);
            }
            java.lang.ref.Reference.reachabilityFence(mesh);
            mesh.close();
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

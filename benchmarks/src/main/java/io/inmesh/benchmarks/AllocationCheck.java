package io.inmesh.benchmarks;

import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.TrafficPlane;
import java.lang.management.ManagementFactory;

/**
 * A quick check, without JMH, of the bytes allocated per operation on the request path: {@code route} and
 * {@code routeAndChooseEndpoint} of {@link RouteSelectionBenchmark} (the request matching the last rule), measured
 * with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} on this thread after a warm-up long enough
 * for the JIT to compile the path. Results are stored in a static field, so that escape analysis cannot remove
 * allocations an adapter would make. Arguments: rules (100), operations (1000000). Prints one line per operation:
 * {@code rules=N op=NAME bytes_per_op=X}.
 */
public final class AllocationCheck {
    private static final int WARMUP = 200_000;

    /** Where results go, so that they escape. */
    static Object sink;

    private AllocationCheck() {
    }

    public static void main(String[] args) {
        int rules = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
                || !threads.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        threads.setThreadAllocatedMemoryEnabled(true);
        TrafficPlane plane = RouteSelectionFixture.plane(rules);
        RequestView request = RouteSelectionFixture.requestFor(rules - 1);
        RouteSelectionFixture.expectRule(plane.route(request), rules - 1);
        RouteSelectionFixture.expectEndpoint(plane, request);
        long tid = Thread.currentThread().getId();

        route(plane, request, WARMUP);
        long before = threads.getThreadAllocatedBytes(tid);
        route(plane, request, ops);
        long routeBytes = threads.getThreadAllocatedBytes(tid) - before;

        routeAndChooseEndpoint(plane, request, WARMUP);
        before = threads.getThreadAllocatedBytes(tid);
        routeAndChooseEndpoint(plane, request, ops);
        long callBytes = threads.getThreadAllocatedBytes(tid) - before;

        System.out.printf("rules=%d op=route bytes_per_op=%.1f%n", rules, routeBytes / (double) ops);
        System.out.printf("rules=%d op=routeAndChooseEndpoint bytes_per_op=%.1f%n", rules, callBytes / (double) ops);
    }

    private static void route(TrafficPlane plane, RequestView request, int n) {
        for (int i = 0; i < n; i++) {
            sink = plane.route(request);
        }
    }

    private static void routeAndChooseEndpoint(TrafficPlane plane, RequestView request, int n) {
        for (int i = 0; i < n; i++) {
            MeshCall call = plane.start(request);
            MeshCall.Try t = call.nextTry();
            call.onResponse(t, 200, -1, false, true);
            t.release();
            sink = call;
            sink = t;
        }
    }
}

package io.inmesh.benchmarks;

import io.inmesh.config.ConfigFile;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.TrafficPlane;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Endpoint choice on its own: a host without a VirtualService (so route selection is the host lookup and a
 * pass-through decision), a DestinationRule with the load balancer under test and outlier detection, and a STATIC
 * ServiceEntry with {@code N} endpoints. One operation is what an adapter does per request: start the call (bind
 * the cluster), choose an endpoint for the try and take the connection-pool permit, report a 200 (outlier
 * detection), release. {@code setup} is {@code LB/N}: LEAST_REQUEST (Istio's default, power of two choices) with 10
 * and 100 endpoints, ROUND_ROBIN with 100, and a consistent hash on a header over a ring (RING_HASH, 1024 entries)
 * with 100. Run with {@code -prof gc}. {@link RouteSelectionBenchmark#routeAndChooseEndpoint} is the same after a
 * VirtualService rule with weighted subsets.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class EndpointChoiceBenchmark {
    static final String HOST = "ratings.bench.svc.cluster.local";

    @State(Scope.Benchmark)
    public static class Setup1 {
        @Param({"LEAST_REQUEST/10", "LEAST_REQUEST/100", "ROUND_ROBIN/100", "RING_HASH/100"})
        public String setup;

        TrafficPlane plane;
        RequestView request;

        @Setup(Level.Trial)
        public void setUp() {
            String lb = setup.substring(0, setup.indexOf('/'));
            int endpoints = Integer.parseInt(setup.substring(setup.indexOf('/') + 1));
            plane = RouteSelectionFixture.plane(List.of(new ConfigFile("ratings.yaml",
                    yaml(lb, endpoints).getBytes(StandardCharsets.UTF_8))));
            request = new RouteSelectionFixture.FixedRequest("GET", HOST, 9080, "/ratings/7", "x-user", "jason",
                    "user-agent", "bench/1.0");
            expectEndpoints(plane, request, lb.equals("RING_HASH") ? 1 : Math.min(endpoints, 10));
        }
    }

    static String yaml(String lb, int endpoints) {
        String policy = lb.equals("RING_HASH")
                ? "      consistentHash:\n        httpHeaderName: x-user\n        ringHash:\n          minimumRingSize: 1024\n"
                : "      simple: " + lb + "\n";
        StringBuilder b = new StringBuilder();
        b.append("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ratings\n")
                .append("  namespace: bench\nspec:\n  host: ").append(HOST).append("\n  trafficPolicy:\n")
                .append("    loadBalancer:\n").append(policy)
                .append("    outlierDetection:\n      consecutive5xxErrors: 5\n      interval: 10s\n");
        b.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ratings\n")
                .append("  namespace: bench\nspec:\n  hosts:\n  - ").append(HOST)
                .append("\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports:\n  - number: 9080\n")
                .append("    name: http\n    protocol: HTTP\n  endpoints:\n");
        for (int e = 0; e < endpoints; e++) {
            b.append("  - address: 10.1.").append(e / 250).append('.').append(e % 250 + 1).append('\n');
        }
        return b.toString();
    }

    /** Fails unless calls reach STATIC endpoints, at least {@code distinct} different ones over 200 calls. */
    static void expectEndpoints(TrafficPlane plane, RequestView request, int distinct) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            MeshCall call = plane.start(request);
            MeshCall.Try t = call.nextTry();
            if (t == null || t.endpoint() == null) {
                throw new IllegalStateException("no STATIC endpoint: " + (t == null ? call.failureStatus() + " "
                        + call.failureDetail() : t.address));
            }
            seen.add(t.address);
            call.onResponse(t, 200, -1, false, true);
            t.release();
        }
        if (seen.size() < distinct) {
            throw new IllegalStateException("expected at least " + distinct + " endpoints, saw " + seen);
        }
    }

    /** Start, choose an endpoint, a 200, release. */
    @Benchmark
    public void chooseEndpoint(Setup1 s, Blackhole bh) {
        MeshCall call = s.plane.start(s.request);
        MeshCall.Try t = call.nextTry();
        call.onResponse(t, 200, -1, false, true);
        t.release();
        bh.consume(call);
        bh.consume(t);
    }
}

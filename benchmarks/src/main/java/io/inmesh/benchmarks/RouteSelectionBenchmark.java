package io.inmesh.benchmarks;

import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.TrafficPlane;
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
 * The decision core on the request path: route selection for one host with 10, 100 and 1000 HTTP rules (the
 * request matching the last rule, the worst case, or the middle one), route selection plus endpoint choice (weighted
 * subset pick, cluster binding, outlier filter, least-request pick, a 200 response, release), and route selection
 * for one host among 1 or 1000 services. Run with {@code -prof gc} for bytes allocated per operation. The config is
 * described in {@link RouteSelectionFixture}; the many-hosts config comes from {@link RouteConfigs}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class RouteSelectionBenchmark {

    /** One host whose VirtualService has {@code rules} rules; requests for the last and the middle rule. */
    @State(Scope.Benchmark)
    public static class Rules {
        @Param({"10", "100", "1000"})
        public int rules;

        TrafficPlane plane;
        RequestView last;
        RequestView middle;

        @Setup(Level.Trial)
        public void setUp() {
            plane = RouteSelectionFixture.plane(rules);
            last = RouteSelectionFixture.requestFor(rules - 1);
            middle = RouteSelectionFixture.requestFor(RouteSelectionFixture.middle(rules));
            RouteSelectionFixture.expectRule(plane.route(last), rules - 1);
            RouteSelectionFixture.expectRule(plane.route(middle), RouteSelectionFixture.middle(rules));
            RouteSelectionFixture.expectEndpoint(plane, last);
        }
    }

    /**
     * {@code services} services of {@link RouteConfigs} (ten rules each, no endpoints); the request goes to the
     * last service, addressed as {@code svcN.bench}, and matches its ninth rule.
     */
    @State(Scope.Benchmark)
    public static class ManyHosts {
        @Param({"1", "1000"})
        public int services;

        TrafficPlane plane;
        RequestView request;

        @Setup(Level.Trial)
        public void setUp() {
            plane = RouteSelectionFixture.plane(RouteConfigs.files(services * RouteConfigs.ROUTES_PER_SERVICE));
            int rule = RouteConfigs.ROUTES_PER_SERVICE - 2;
            request = new RouteSelectionFixture.FixedRequest("GET", "svc" + (services - 1) + ".bench", 80,
                    "/api/v" + rule + "/users/42", "x-tenant", "t" + rule, "user-agent", "bench/1.0");
            RouteDecision d = plane.route(request);
            if (!("r" + rule).equals(d.routeName())) {
                throw new IllegalStateException("expected rule r" + rule + ", got " + d);
            }
        }
    }

    /** Route selection, the request matching the last rule: every rule before it is evaluated. */
    @Benchmark
    public void route(Rules s, Blackhole bh) {
        bh.consume(s.plane.route(s.last));
    }

    /** Route selection, the request matching the middle rule. */
    @Benchmark
    public void routeMiddle(Rules s, Blackhole bh) {
        bh.consume(s.plane.route(s.middle));
    }

    /** Route selection for the last rule, then one try to a chosen endpoint answered with 200, released. */
    @Benchmark
    public void routeAndChooseEndpoint(Rules s, Blackhole bh) {
        MeshCall call = s.plane.start(s.last);
        MeshCall.Try t = call.nextTry();
        call.onResponse(t, 200, -1, false, true);
        t.release();
        // An adapter keeps both across the exchange's I/O: let neither be scalar-replaced.
        bh.consume(call);
        bh.consume(t);
    }

    /** Route selection for one host among {@code services}: the host lookup should not depend on their number. */
    @Benchmark
    public void routeManyHosts(ManyHosts s, Blackhole bh) {
        bh.consume(s.plane.route(s.request));
    }
}

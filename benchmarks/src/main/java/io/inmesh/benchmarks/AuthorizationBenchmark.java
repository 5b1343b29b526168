package io.inmesh.benchmarks;

import io.inmesh.Mesh;
import io.inmesh.security.RequestIdentity;
import io.inmesh.security.internal.authz.AuthorizationEngine;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Inbound decisions of the workload {@code reviews}: the authorization decision alone with 1, 10 and 100
 * AuthorizationPolicies (ALLOW and DENY mixed, principals, hosts, methods, paths with prefix and suffix, {@code when}
 * on a header and on a JWT claim), for a request that only the last ALLOW matches ({@code allowLast}: every policy is
 * evaluated) and for one that the last DENY matches ({@code denyLast}); and the whole inbound chain of
 * {@link Mesh#inbound} with 10 policies (PeerAuthentication STRICT, path normalisation, RequestAuthentication with an
 * RS256 token or none configured, authorization, a LocalRateLimit). Run with {@code -prof gc} for bytes allocated per
 * operation. The policies are described in {@link SecurityFixture}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class AuthorizationBenchmark {

    /** The engine over {@code policies} policies and the request only the last (an ALLOW) matches. */
    @State(Scope.Benchmark)
    public static class Allow {
        @Param({"1", "10", "100"})
        public int policies;

        AuthorizationEngine engine;
        SecurityFixture.BenchRequest request;
        RequestIdentity identity;

        @Setup(Level.Trial)
        public void setUp() {
            engine = SecurityFixture.engine(policies);
            int target = policies - 1;
            request = SecurityFixture.requestFor(target);
            identity = SecurityFixture.identityFor(target);
            SecurityFixture.expect(engine.evaluate(request, identity), target, true);
        }
    }

    /** The engine over {@code denyPolicies} policies and a request the last DENY matches (and no DENY before it). */
    @State(Scope.Benchmark)
    public static class Deny {
        @Param({"10", "100"})
        public int denyPolicies;

        AuthorizationEngine engine;
        SecurityFixture.BenchRequest request;
        RequestIdentity identity;

        @Setup(Level.Trial)
        public void setUp() {
            engine = SecurityFixture.engine(denyPolicies);
            int target = SecurityFixture.lastDeny(denyPolicies);
            request = SecurityFixture.requestFor(target);
            identity = SecurityFixture.identityFor(target);
            SecurityFixture.expect(engine.evaluate(request, identity), target, false);
        }
    }

    /**
     * A mesh for {@code reviews} with 10 policies, STRICT mTLS and a LocalRateLimit; {@code jwt}: {@code rs256} adds
     * a RequestAuthentication and the request carries an RS256 token (2048-bit key) whose claim the policies check,
     * {@code none} has no RequestAuthentication and the policies check a header instead.
     */
    @State(Scope.Benchmark)
    public static class Inbound {
        @Param({"none", "rs256"})
        public String jwt;

        Mesh mesh;
        SecurityFixture.BenchRequest request;

        @Setup(Level.Trial)
        public void setUp() {
            int policies = 10;
            int target = policies - 1;
            boolean withJwt = jwt.equals("rs256");
            SecurityFixture.JwtKey key = withJwt ? new SecurityFixture.JwtKey() : null;
            mesh = SecurityFixture.mesh(policies, key);
            request = withJwt
                    ? SecurityFixture.requestFor(target, "authorization", "Bearer " + key.token(target))
                    : SecurityFixture.requestFor(target);
            SecurityFixture.expectInbound(mesh.inbound(request), target, withJwt);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            mesh.close();
        }
    }

    /** The authorization decision for a request only the last policy (an ALLOW) matches. */
    @Benchmark
    public void allowLast(Allow s, Blackhole bh) {
        bh.consume(s.engine.evaluate(s.request, s.identity));
    }

    /** The authorization decision for a request the last DENY policy matches. */
    @Benchmark
    public void denyLast(Deny s, Blackhole bh) {
        bh.consume(s.engine.evaluate(s.request, s.identity));
    }

    /** {@link Mesh#inbound}: mode, path, JWT, authorization (allowed by the last of 10 policies), rate limit. */
    @Benchmark
    public void inbound(Inbound s, Blackhole bh) {
        bh.consume(s.mesh.inbound(s.request));
    }
}

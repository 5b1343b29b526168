package io.inmesh.traffic.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.SimpleLb;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class SimpleBalancersTest {

    /** 99.9% critical values of chi-square, by degrees of freedom. */
    private static final double CHI2_999_DF2 = 13.816;
    private static final double CHI2_999_DF4 = 18.467;
    private static final double CHI2_999_DF9 = 27.877;

    private static LoadBalancer create(SimpleLb simple) {
        return LoadBalancers.create(new LoadBalancerSettings(simple, null, null, null, null));
    }

    private static int[] counts(LoadBalancer lb, List<? extends LbHost> hosts, int picks, RandomGenerator random) {
        int[] counts = new int[hosts.size()];
        for (int i = 0; i < picks; i++) {
            counts[lb.pick(hosts, LoadBalancer.NO_HASH, random)]++;
        }
        return counts;
    }

    private static double[] expected(int picks, int... weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        double[] e = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            e[i] = picks * (double) weights[i] / total;
        }
        return e;
    }

    @Test
    void policiesMapToBalancers() {
        assertThat(LoadBalancers.create(null)).isInstanceOf(LeastRequestLb.class);
        assertThat(create(null)).isInstanceOf(LeastRequestLb.class);
        assertThat(create(SimpleLb.UNSPECIFIED)).isInstanceOf(LeastRequestLb.class);
        assertThat(create(SimpleLb.LEAST_REQUEST)).isInstanceOf(LeastRequestLb.class);
        assertThat(create(SimpleLb.LEAST_CONN)).isInstanceOf(LeastRequestLb.class);
        assertThat(create(SimpleLb.ROUND_ROBIN)).isInstanceOf(RoundRobinLb.class);
        assertThat(create(SimpleLb.RANDOM)).isInstanceOf(RandomLb.class);
        assertThat(create(SimpleLb.PASSTHROUGH)).isInstanceOf(FirstHostLb.class);
        assertThat(create(SimpleLb.ROUND_ROBIN)).isNotSameAs(create(SimpleLb.ROUND_ROBIN));
    }

    @Test
    void passthroughIsDetectedAndPicksTheFirst() {
        LoadBalancerSettings passthrough = new LoadBalancerSettings(SimpleLb.PASSTHROUGH, null, null, null, null);
        assertThat(LoadBalancers.isPassthrough(passthrough)).isTrue();
        assertThat(LoadBalancers.isPassthrough(null)).isFalse();
        assertThat(LoadBalancers.isPassthrough(new LoadBalancerSettings(SimpleLb.RANDOM, null, null, null, null)))
                .isFalse();
        LoadBalancer lb = LoadBalancers.create(passthrough);
        assertThat(counts(lb, TestHost.hosts(5), 100, new SplittableRandom(1))).containsExactly(100, 0, 0, 0, 0);
    }

    @Test
    void roundRobinRotatesExactly() {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> hosts = TestHost.hosts(3);
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            picks.add(lb.pick(hosts, LoadBalancer.NO_HASH, new SplittableRandom(i)));
        }
        assertThat(picks).containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2);
    }

    @Test
    void roundRobinWithEqualNonUnitWeightsIsPlain() {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> hosts = TestHost.weighted(5, 5, 5, 5);
        for (int i = 0; i < 12; i++) {
            assertThat(lb.pick(hosts, LoadBalancer.NO_HASH, new SplittableRandom(1))).isEqualTo(i % 4);
        }
    }

    @Test
    void roundRobinSharesItsCursorAcrossThreads() throws InterruptedException {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> hosts = TestHost.weighted(1, 2, 3, 4);
        AtomicIntegerArray counts = new AtomicIntegerArray(4);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(1);
                for (int i = 0; i < 25_000; i++) {
                    counts.incrementAndGet(lb.pick(hosts, LoadBalancer.NO_HASH, random));
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        // 100000 picks are 10000 whole cycles of the weights 1:2:3:4, whoever took which turn.
        assertThat(new int[] {counts.get(0), counts.get(1), counts.get(2), counts.get(3)})
                .containsExactly(10_000, 20_000, 30_000, 40_000);
    }

    @Test
    void weightedRoundRobinGivesExactSharesPerCycleAndInterleaves() {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> hosts = TestHost.weighted(1, 2, 3, 4);
        RandomGenerator random = new SplittableRandom(7);
        // Every cycle of sum(weights) = 10 picks gives each host exactly its weight.
        for (int cycle = 0; cycle < 50; cycle++) {
            assertThat(counts(lb, hosts, 10, random)).containsExactly(1, 2, 3, 4);
        }
        // Interleaved: the heaviest host (4 of 10) never gets more than two picks in a row.
        int run = 0;
        int longest = 0;
        int previous = -1;
        for (int i = 0; i < 1000; i++) {
            int p = lb.pick(hosts, LoadBalancer.NO_HASH, random);
            run = p == previous ? run + 1 : 1;
            previous = p;
            longest = Math.max(longest, run);
        }
        assertThat(longest).isLessThanOrEqualTo(2);
    }

    @Test
    void weightedRoundRobinWithHugeWeightsKeepsProportions() {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> hosts = TestHost.weighted(Integer.MAX_VALUE, Integer.MAX_VALUE / 2, 1);
        int[] counts = counts(lb, hosts, 30_000, new SplittableRandom(3));
        assertThat(counts[0]).isBetween(19_000, 21_000);
        assertThat(counts[1]).isBetween(9_000, 11_000);
        assertThat(counts[2]).isLessThan(10);
    }

    @Test
    void roundRobinFollowsANewListAndKeepsTurning() {
        LoadBalancer lb = create(SimpleLb.ROUND_ROBIN);
        List<TestHost> two = TestHost.hosts(2);
        List<TestHost> three = TestHost.hosts(3);
        int[] counts = new int[3];
        for (int i = 0; i < 300; i++) {
            counts[lb.pick(i % 2 == 0 ? two : three, LoadBalancer.NO_HASH, new SplittableRandom(1))]++;
        }
        assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(300);
        assertThat(counts[2]).isPositive();
    }

    @Test
    void randomIsUniformWithEqualWeights() {
        int picks = 100_000;
        int[] counts = counts(create(SimpleLb.RANDOM), TestHost.hosts(10), picks, new SplittableRandom(42));
        assertThat(Stats.chiSquare(counts, picks / 10.0)).isLessThan(CHI2_999_DF9);
    }

    @Test
    void randomFollowsWeights() {
        int picks = 100_000;
        int[] counts = counts(create(SimpleLb.RANDOM), TestHost.weighted(1, 2, 3, 4, 10), picks,
                new SplittableRandom(43));
        assertThat(Stats.chiSquare(counts, expected(picks, 1, 2, 3, 4, 10))).isLessThan(CHI2_999_DF4);
    }

    @Test
    void randomUsesTheGivenSource() {
        List<TestHost> hosts = TestHost.hosts(10);
        int[] a = counts(create(SimpleLb.RANDOM), hosts, 1000, new SplittableRandom(5));
        int[] b = counts(create(SimpleLb.RANDOM), hosts, 1000, new SplittableRandom(5));
        assertThat(a).containsExactly(b);
    }

    @Test
    void leastRequestIsUniformWhenIdle() {
        int picks = 100_000;
        int[] counts = counts(create(SimpleLb.LEAST_REQUEST), TestHost.hosts(10), picks, new SplittableRandom(44));
        assertThat(Stats.chiSquare(counts, picks / 10.0)).isLessThan(CHI2_999_DF9);
    }

    @Test
    void leastRequestAvoidsTheLoadedHost() {
        List<TestHost> hosts = List.of(TestHost.of("10.0.0.1", 1, 0), TestHost.of("10.0.0.2", 1, 50),
                TestHost.of("10.0.0.3", 1, 0), TestHost.of("10.0.0.4", 1, 1));
        int picks = 30_000;
        int[] counts = counts(create(SimpleLb.LEAST_REQUEST), hosts, picks, new SplittableRandom(45));
        assertThat(counts[1]).isLessThan(picks / 1000);
        // Host 3 (one in flight) wins only against host 1: 2 of the 12 ordered pairs.
        assertThat(counts[3]).isBetween((int) (picks * 0.14), (int) (picks * 0.19));
        // The two idle hosts share the rest evenly.
        assertThat(Stats.chiSquare(new int[] {counts[0], counts[2]}, (counts[0] + counts[2]) / 2.0))
                .isLessThan(10.828);
    }

    @Test
    void leastRequestOfTwoAlwaysTakesTheIdleOne() {
        List<TestHost> hosts = List.of(TestHost.of("10.0.0.1", 1, 3), TestHost.of("10.0.0.2", 1, 2));
        assertThat(counts(create(SimpleLb.LEAST_REQUEST), hosts, 1000, new SplittableRandom(1)))
                .containsExactly(0, 1000);
    }

    @Test
    void weightedLeastRequestFollowsWeightsWhenIdle() {
        int picks = 100_000;
        int[] counts = counts(create(SimpleLb.LEAST_REQUEST), TestHost.weighted(1, 2, 5), picks,
                new SplittableRandom(46));
        assertThat(Stats.chiSquare(counts, expected(picks, 1, 2, 5))).isLessThan(CHI2_999_DF2);
    }

    @Test
    void weightedLeastRequestDividesWeightByLoad() {
        // Effective weights 4/(3+1) = 1, 1/(0+1) = 1, 2/(1+1) = 1: equal shares.
        List<TestHost> hosts = List.of(TestHost.of("10.0.0.1", 4, 3), TestHost.of("10.0.0.2", 1, 0),
                TestHost.of("10.0.0.3", 2, 1));
        int picks = 90_000;
        int[] counts = counts(create(SimpleLb.LEAST_REQUEST), hosts, picks, new SplittableRandom(47));
        assertThat(Stats.chiSquare(counts, picks / 3.0)).isLessThan(CHI2_999_DF2);
    }

    @Test
    void aSingleHostIsAlwaysPicked() {
        List<TestHost> one = TestHost.hosts(1);
        for (SimpleLb simple : SimpleLb.values()) {
            assertThat(create(simple).pick(one, LoadBalancer.NO_HASH, new SplittableRandom(1))).isZero();
        }
    }
}

package io.inmesh.traffic.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.MagLev;
import io.inmesh.config.DestinationRule.SimpleLb;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Picks allocate nothing once the balancer has seen the candidate list. */
class AllocationTest {

    private static final int PICKS = 100_000;
    private static final long BUDGET_BYTES = 64 * 1024;

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

    private static LoadBalancer create(SimpleLb simple, ConsistentHashLb hash) {
        return LoadBalancers.create(new LoadBalancerSettings(simple, hash, null, null, null));
    }

    private static long run(LoadBalancer lb, List<TestHost> hosts, long[] keys, SplittableRandom random) {
        long sum = 0;
        for (int i = 0; i < PICKS; i++) {
            sum += lb.pick(hosts, keys[i & (keys.length - 1)], random);
        }
        return sum;
    }

    @Test
    void picksDoNotAllocate() {
        com.sun.management.ThreadMXBean threads = threads();
        long threadId = Thread.currentThread().getId();

        List<TestHost> equal = TestHost.hosts(10);
        List<TestHost> weighted = TestHost.weighted(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        List<TestHost> loaded = List.copyOf(new ArrayList<>(List.of(TestHost.of("10.0.0.1", 1, 5),
                TestHost.of("10.0.0.2", 1, 0), TestHost.of("10.0.0.3", 1, 2), TestHost.of("10.0.0.4", 3, 1))));
        ConsistentHashLb ring = new ConsistentHashLb("x-user", null, null, null, null, null, null);
        ConsistentHashLb maglev = new ConsistentHashLb("x-user", null, null, null, null, new MagLev(null), null);

        long[] keys = new long[1024];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = HashPolicy.hashKey("user-" + i);
        }
        long[] noHash = new long[] {LoadBalancer.NO_HASH};

        Map<String, Runnable> cases = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(1);
        long[] sink = new long[1];
        // One balancer per list: a balancer rebuilds its cached weights whenever another list instance arrives.
        for (SimpleLb simple : SimpleLb.values()) {
            for (List<TestHost> hosts : List.of(equal, weighted, loaded)) {
                LoadBalancer lb = create(simple, null);
                String name = simple + (hosts == equal ? " equal" : hosts == weighted ? " weighted" : " loaded");
                cases.put(name, () -> sink[0] += run(lb, hosts, noHash, random));
            }
        }
        LoadBalancer ringLb = create(null, ring);
        LoadBalancer maglevLb = create(null, maglev);
        cases.put("ring hash keys", () -> sink[0] += run(ringLb, weighted, keys, random));
        cases.put("ring hash no key", () -> sink[0] += run(ringLb, weighted, noHash, random));
        cases.put("maglev keys", () -> sink[0] += run(maglevLb, weighted, keys, random));
        cases.put("maglev no key", () -> sink[0] += run(maglevLb, weighted, noHash, random));
        String text = "session-0123456789abcdef";
        cases.put("hash64", () -> {
            for (int i = 0; i < PICKS; i++) {
                sink[0] += Hashing.hash64(text);
            }
        });

        // Warm up: builds the cached tables and lets the JIT compile the pick paths.
        for (int round = 0; round < 3; round++) {
            cases.values().forEach(Runnable::run);
        }
        for (Map.Entry<String, Runnable> c : cases.entrySet()) {
            long before = threads.getThreadAllocatedBytes(threadId);
            c.getValue().run();
            long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            assertThat(allocated).as("bytes allocated by %d picks, %s", PICKS, c.getKey())
                    .isLessThan(BUDGET_BYTES);
        }
        assertThat(sink[0]).isNotZero();
    }
}

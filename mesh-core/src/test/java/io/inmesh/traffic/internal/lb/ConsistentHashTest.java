package io.inmesh.traffic.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.DestinationRule.ConsistentHashLb;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.MagLev;
import io.inmesh.config.DestinationRule.RingHash;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConsistentHashTest {

    private static final int KEYS = 10_000;

    private static LoadBalancer ringHash(Long minimumRingSize) {
        return LoadBalancers.create(settings(new ConsistentHashLb("x-user", null, null, null,
                minimumRingSize == null ? null : new RingHash(minimumRingSize), null, null)));
    }

    private static LoadBalancer maglev(Long tableSize) {
        return LoadBalancers.create(settings(new ConsistentHashLb("x-user", null, null, null, null,
                new MagLev(tableSize), null)));
    }

    private static LoadBalancerSettings settings(ConsistentHashLb hash) {
        return new LoadBalancerSettings(null, hash, null, null, null);
    }

    static Stream<Arguments> balancers() {
        Supplier<LoadBalancer> ring = () -> ringHash(null);
        Supplier<LoadBalancer> mag = () -> maglev(null);
        return Stream.of(Arguments.of("ring hash", ring), Arguments.of("maglev", mag));
    }

    private static long key(int i) {
        return HashPolicy.hashKey("user-" + i);
    }

    /** The endpoint address each key goes to. */
    private static String[] assign(LoadBalancer lb, List<TestHost> hosts) {
        String[] owner = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            owner[i] = hosts.get(lb.pick(hosts, key(i), new SplittableRandom(i))).endpoint().address();
        }
        return owner;
    }

    private static List<TestHost> without(List<TestHost> hosts, int index) {
        List<TestHost> copy = new ArrayList<>(hosts);
        copy.remove(index);
        return List.copyOf(copy);
    }

    private static List<TestHost> with(List<TestHost> hosts, TestHost extra) {
        List<TestHost> copy = new ArrayList<>(hosts);
        copy.add(extra);
        return List.copyOf(copy);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void sameKeySameHostAcrossRandomSourcesAndBalancers(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> hosts = TestHost.hosts(10);
        LoadBalancer lb = factory.get();
        // A fresh balancer over a new list instance with the same endpoints (another process, a restart).
        LoadBalancer other = factory.get();
        List<TestHost> sameEndpoints = List.copyOf(new ArrayList<>(hosts));
        for (int i = 0; i < 1000; i++) {
            int first = lb.pick(hosts, key(i), new SplittableRandom(i));
            for (int seed = 0; seed < 5; seed++) {
                assertThat(lb.pick(hosts, key(i), new SplittableRandom(seed))).isEqualTo(first);
            }
            assertThat(other.pick(sameEndpoints, key(i), new SplittableRandom(9))).isEqualTo(first);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void keysSpreadOverHosts(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> hosts = TestHost.hosts(10);
        LoadBalancer lb = factory.get();
        int[] counts = new int[10];
        for (int i = 0; i < KEYS; i++) {
            counts[lb.pick(hosts, key(i), null)]++;
        }
        for (int c : counts) {
            assertThat(c).as(name).isBetween(KEYS / 10 * 6 / 10, KEYS / 10 * 14 / 10);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void addingAnEleventhHostMovesAboutOneEleventh(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> ten = TestHost.hosts(10);
        List<TestHost> eleven = with(ten, TestHost.of("10.0.0.11", 1, 0));
        LoadBalancer lb = factory.get();
        String[] before = assign(lb, ten);
        String[] after = assign(lb, eleven);
        int moved = 0;
        int movedElsewhere = 0;
        for (int i = 0; i < KEYS; i++) {
            if (!before[i].equals(after[i])) {
                moved++;
                if (!after[i].equals("10.0.0.11")) {
                    movedElsewhere++;
                }
            }
        }
        assertThat(moved).as(name).isBetween(KEYS * 4 / 100, KEYS * 16 / 100);
        // Keys that move go to the new host (Maglev may reshuffle a few more).
        assertThat(movedElsewhere).as(name).isLessThanOrEqualTo(KEYS * 2 / 100);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void removingAHostMovesOnlyItsKeys(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> ten = TestHost.hosts(10);
        List<TestHost> nine = without(ten, 3);
        String removed = ten.get(3).endpoint().address();
        LoadBalancer lb = factory.get();
        String[] before = assign(lb, ten);
        String[] after = assign(lb, nine);
        int ownedByRemoved = 0;
        int othersMoved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (before[i].equals(removed)) {
                ownedByRemoved++;
            } else if (!before[i].equals(after[i])) {
                othersMoved++;
            }
        }
        assertThat(ownedByRemoved).isPositive();
        // Small tolerance: Maglev's table refill may move a few keys of the remaining hosts too.
        assertThat(othersMoved).as(name).isLessThanOrEqualTo(KEYS * 2 / 100);
    }

    @Test
    void ringHashRemovalMovesNothingElse() {
        List<TestHost> ten = TestHost.hosts(10);
        LoadBalancer lb = ringHash(null);
        String[] before = assign(lb, ten);
        String[] after = assign(lb, without(ten, 3));
        for (int i = 0; i < KEYS; i++) {
            if (!before[i].equals("10.0.0.4")) {
                assertThat(after[i]).isEqualTo(before[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void noHashSpreadsAtRandom(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> hosts = TestHost.hosts(10);
        LoadBalancer lb = factory.get();
        SplittableRandom random = new SplittableRandom(11);
        int picks = 100_000;
        int[] counts = new int[10];
        for (int i = 0; i < picks; i++) {
            counts[lb.pick(hosts, LoadBalancer.NO_HASH, random)]++;
        }
        // Random over the ring or table: each host's share is its share of entries, so check the spread loosely.
        for (int c : counts) {
            assertThat(c).as(name).isBetween(picks / 10 * 6 / 10, picks / 10 * 14 / 10);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void weightsShiftKeys(String name, Supplier<LoadBalancer> factory) {
        List<TestHost> hosts = TestHost.weighted(1, 1, 6);
        LoadBalancer lb = factory.get();
        int[] counts = new int[3];
        for (int i = 0; i < KEYS; i++) {
            counts[lb.pick(hosts, key(i), null)]++;
        }
        assertThat(counts[2]).as(name).isBetween(KEYS * 65 / 100, KEYS * 85 / 100);
    }

    @Test
    void ringSizeFollowsTheSettings() {
        List<TestHost> hosts = TestHost.hosts(10);
        assertThat(((RingHashLb) ringHash(null)).minRingSize()).isEqualTo(1024);
        assertThat(((RingHashLb) ringHash(0L)).minRingSize()).isEqualTo(1024);
        assertThat(((RingHashLb) ringHash(4096L)).minRingSize()).isEqualTo(4096);
        assertThat(((RingHashLb) ringHash(1L << 40)).minRingSize()).isEqualTo(RingHashLb.MAX_RING_SIZE);
        // Deprecated top-level minimumRingSize is used when ringHash gives none.
        LoadBalancer deprecated = LoadBalancers.create(settings(
                new ConsistentHashLb(null, null, true, null, null, null, 2000L)));
        assertThat(((RingHashLb) deprecated).minRingSize()).isEqualTo(2000);
        LoadBalancer both = LoadBalancers.create(settings(
                new ConsistentHashLb(null, null, true, null, new RingHash(300L), null, 2000L)));
        assertThat(((RingHashLb) both).minRingSize()).isEqualTo(300);

        // 10 equal hosts, minimum 1024: 102.4 per host rounds up to 128 each.
        RingHashLb lb = (RingHashLb) ringHash(null);
        assertThat(lb.ring(hosts).entries).hasSize(1280);
        // Weights 1:3, minimum 1024: the light host needs 256, the heavy one 768.
        assertThat(lb.ring(TestHost.weighted(1, 3)).entries).hasSize(1024);
    }

    @Test
    void ringIsCachedByListIdentity() {
        RingHashLb lb = (RingHashLb) ringHash(null);
        List<TestHost> hosts = TestHost.hosts(4);
        RingHashLb.Ring ring = lb.ring(hosts);
        lb.pick(hosts, key(1), null);
        assertThat(lb.ring(hosts)).isSameAs(ring);
        List<TestHost> equalButNew = List.copyOf(new ArrayList<>(hosts));
        assertThat(lb.ring(equalButNew)).isNotSameAs(ring);
    }

    @Test
    void ringHashIsCappedAtEnvoysMaximum() {
        RingHashLb lb = new RingHashLb(RingHashLb.MAX_RING_SIZE);
        assertThat(lb.ring(TestHost.weighted(1, 1_000_000)).entries.length)
                .isLessThanOrEqualTo((int) RingHashLb.MAX_RING_SIZE);
    }

    @Test
    void maglevTableSizeIsPrime() {
        assertThat(((MaglevLb) maglev(null)).tableSize()).isEqualTo(65537);
        assertThat(((MaglevLb) maglev(0L)).tableSize()).isEqualTo(65537);
        assertThat(((MaglevLb) maglev(65537L)).tableSize()).isEqualTo(65537);
        assertThat(((MaglevLb) maglev(65536L)).tableSize()).isEqualTo(65537);
        assertThat(((MaglevLb) maglev(1000L)).tableSize()).isEqualTo(1009);
        assertThat(((MaglevLb) maglev(1L)).tableSize()).isEqualTo(2);
        assertThat(((MaglevLb) maglev(251L)).tableSize()).isEqualTo(251);
        assertThat(((MaglevLb) maglev(Long.MAX_VALUE)).tableSize()).isEqualTo(MaglevLb.MAX_TABLE_SIZE);
        assertThat(MaglevLb.isPrime(MaglevLb.MAX_TABLE_SIZE)).isTrue();
        assertThat(MaglevLb.isPrime(65537)).isTrue();
        assertThat(MaglevLb.isPrime(65535)).isFalse();
        assertThat(MaglevLb.isPrime(1)).isFalse();
    }

    @Test
    void maglevTableIsFullAndBalanced() {
        MaglevLb lb = (MaglevLb) maglev(1000L);
        List<TestHost> hosts = TestHost.weighted(1, 1, 2, 4);
        int[] slots = lb.table(hosts).slots;
        assertThat(slots).hasSize(1009);
        int[] counts = new int[4];
        for (int s : slots) {
            counts[s]++;
        }
        // Slots follow weights 1:1:2:4 of 1009 to within one turn.
        assertThat(counts[0]).isBetween(125, 128);
        assertThat(counts[1]).isBetween(125, 128);
        assertThat(counts[2]).isBetween(251, 254);
        assertThat(counts[3]).isBetween(503, 506);
        assertThat(lb.table(hosts)).isSameAs(lb.table(hosts));
    }

    @Test
    void maglevWithMoreHostsThanSlotsStillPicks() {
        LoadBalancer lb = maglev(2L);
        List<TestHost> hosts = TestHost.hosts(5);
        for (int i = 0; i < 100; i++) {
            assertThat(lb.pick(hosts, key(i), null)).isBetween(0, 4);
        }
    }
}

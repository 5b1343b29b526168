package io.inmesh.traffic.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.DestinationRule;
import io.inmesh.traffic.internal.resilience.OutlierDetector.Health;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(123 * SECOND);

    private static DestinationRule.OutlierDetection settings(Integer consecutive5xx, Integer consecutiveGateway,
                                                             Integer maxEjectionPercent, Integer minHealthPercent) {
        return new DestinationRule.OutlierDetection(null, null, consecutiveGateway, consecutive5xx, null, null,
                maxEjectionPercent, minHealthPercent, null);
    }

    /** The Istio defaults, except that any share of the endpoints may be ejected. */
    private OutlierDetector detector() {
        return OutlierDetector.create(settings(null, null, 100, null), clock::get);
    }

    private void advanceSeconds(long seconds) {
        clock.addAndGet(seconds * SECOND);
    }

    private void advanceMillis(long millis) {
        clock.addAndGet(millis * 1_000_000L);
    }

    private static void respond(OutlierDetector d, Health h, int times, int status, int hostCount) {
        for (int i = 0; i < times; i++) {
            d.onResponse(h, status, hostCount);
        }
    }

    @Test
    void ejectsAfterFiveConsecutive5xxByDefault() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        respond(d, h, 4, 500, 10);
        assertThat(d.isEjected(h)).isFalse();
        d.onResponse(h, 501, 10);
        assertThat(d.isEjected(h)).isTrue();
        assertThat(d.ejectedCount()).isEqualTo(1);
    }

    @Test
    void anyOtherStatusInBetweenStartsTheCountAgain() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        for (int status : new int[] {200, 404, 302, 429}) {
            respond(d, h, 4, 503, 10);
            d.onResponse(h, status, 10);
        }
        respond(d, h, 4, 500, 10);
        assertThat(d.isEjected(h)).isFalse();
        d.onResponse(h, 500, 10);
        assertThat(d.isEjected(h)).isTrue();
    }

    @Test
    void consecutiveGatewayErrorsCountOnly502To504AndAnyOther5xxResetsThem() {
        OutlierDetector d = OutlierDetector.create(settings(0, 3, 100, null), clock::get);
        Health h = d.newHealth();
        d.onResponse(h, 502, 10);
        d.onResponse(h, 503, 10);
        d.onResponse(h, 500, 10);
        d.onResponse(h, 504, 10);
        d.onResponse(h, 503, 10);
        assertThat(d.isEjected(h)).isFalse();
        d.onResponse(h, 502, 10);
        assertThat(d.isEjected(h)).isTrue();
    }

    @Test
    void gatewayErrorsAlsoCountAs5xx() {
        OutlierDetector d = OutlierDetector.create(settings(4, 10, 100, null), clock::get);
        Health h = d.newHealth();
        d.onResponse(h, 503, 10);
        d.onResponse(h, 500, 10);
        d.onResponse(h, 504, 10);
        assertThat(d.isEjected(h)).isFalse();
        d.onResponse(h, 599, 10);
        assertThat(d.isEjected(h)).isTrue();
    }

    @Test
    void zeroDisablesConsecutive5xxAndGatewayErrorsAreOffUnlessSet() {
        OutlierDetector d = OutlierDetector.create(settings(0, null, 100, null), clock::get);
        Health h = d.newHealth();
        respond(d, h, 1000, 503, 10);
        d.onLocalFailure(h, 10);
        assertThat(d.isEjected(h)).isFalse();

        OutlierDetector gatewayZero = OutlierDetector.create(settings(0, 0, 100, null), clock::get);
        respond(gatewayZero, h, 1000, 502, 10);
        assertThat(gatewayZero.isEjected(h)).isFalse();
    }

    @Test
    void localFailuresCountAsGatewayErrorsAndAs5xx() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        for (int i = 0; i < 3; i++) {
            d.onLocalFailure(h, 10);
        }
        respond(d, h, 1, 500, 10);
        assertThat(d.isEjected(h)).isFalse();
        d.onLocalFailure(h, 10);
        assertThat(d.isEjected(h)).isTrue();

        OutlierDetector gateway = OutlierDetector.create(settings(0, 2, 100, null), clock::get);
        Health g = gateway.newHealth();
        gateway.onLocalFailure(g, 10);
        gateway.onResponse(g, 504, 10);
        assertThat(gateway.isEjected(g)).isTrue();
    }

    @Test
    void returnsAfterBaseEjectionTimeAndTheNextEjectionInARowLastsTwiceAsLong() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        respond(d, h, 5, 500, 10);
        advanceSeconds(30);
        clock.decrementAndGet();
        assertThat(d.isEjected(h)).isTrue();
        clock.incrementAndGet();
        assertThat(d.isEjected(h)).isFalse();
        assertThat(d.ejectedCount()).isZero();

        respond(d, h, 5, 500, 10);
        advanceMillis(59_999);
        assertThat(d.isEjected(h)).isTrue();
        advanceMillis(1);
        assertThat(d.isEjected(h)).isFalse();

        respond(d, h, 5, 500, 10);
        advanceMillis(89_999);
        assertThat(d.isEjected(h)).isTrue();
        advanceMillis(1);
        assertThat(d.isEjected(h)).isFalse();
    }

    @Test
    void returningResetsTheCountsSoOneErrorDoesNotEjectAgain() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        respond(d, h, 5, 500, 10);
        // responses to requests sent before the ejection still arrive
        respond(d, h, 4, 500, 10);
        advanceSeconds(30);
        assertThat(d.isEjected(h)).isFalse();
        d.onResponse(h, 500, 10);
        assertThat(d.isEjected(h)).isFalse();
    }

    @Test
    void theMultiplierShrinksByOneForEachIntervalTheEndpointStaysHealthy() {
        OutlierDetector d = detector();
        Health h = d.newHealth();
        respond(d, h, 5, 500, 10);
        advanceSeconds(30);
        assertThat(d.isEjected(h)).isFalse();
        respond(d, h, 5, 500, 10);
        advanceSeconds(60);
        assertThat(d.isEjected(h)).isFalse();

        // multiplier 2; one interval (10 s) healthy brings it to 1, and the next ejection to 2 again
        advanceSeconds(10);
        respond(d, h, 5, 500, 10);
        advanceSeconds(59);
        assertThat(d.isEjected(h)).isTrue();
        advanceSeconds(1);
        assertThat(d.isEjected(h)).isFalse();

        // two intervals healthy: back to the base ejection time
        advanceSeconds(20);
        respond(d, h, 5, 500, 10);
        advanceSeconds(29);
        assertThat(d.isEjected(h)).isTrue();
        advanceSeconds(1);
        assertThat(d.isEjected(h)).isFalse();
    }

    @Test
    void ejectionTimeStopsGrowingAtEnvoysMaxEjectionTime() {
        DestinationRule.OutlierDetection s = new DestinationRule.OutlierDetection(null, null, null, 1, null,
                Duration.ofSeconds(100), 100, null, null);
        OutlierDetector d = OutlierDetector.create(s, clock::get);
        Health h = d.newHealth();
        for (int expected : new int[] {100, 200, 300, 300, 300}) {
            d.onResponse(h, 500, 1);
            advanceSeconds(expected - 1);
            assertThat(d.isEjected(h)).as("ejection of %s s", expected).isTrue();
            advanceSeconds(1);
            assertThat(d.isEjected(h)).isFalse();
        }
    }

    @Test
    void maxEjectionPercentCapsEjectionsAcrossTenHosts() {
        OutlierDetector d = OutlierDetector.create(settings(null, null, null, null), clock::get);
        List<Health> hosts = IntStream.range(0, 10).mapToObj(i -> d.newHealth()).toList();
        for (Health h : hosts) {
            respond(d, h, 5, 500, hosts.size());
        }
        assertThat(hosts.stream().filter(d::isEjected).count()).isEqualTo(1);
        assertThat(d.ejectedCount()).isEqualTo(1);

        OutlierDetector thirty = OutlierDetector.create(settings(null, null, 30, null), clock::get);
        List<Health> more = IntStream.range(0, 10).mapToObj(i -> thirty.newHealth()).toList();
        for (Health h : more) {
            respond(thirty, h, 5, 500, more.size());
        }
        assertThat(more.stream().filter(thirty::isEjected).count()).isEqualTo(3);
        assertThat(more.subList(0, 3)).allMatch(thirty::isEjected);
    }

    @Test
    void envoyRespectsMaxEjectionPercentEvenForTheFirstEjection() {
        // Envoy >= 1.28: 1 of 3 hosts is 33 % > 10 %, so nothing is ejected (always_eject_one_host is off)
        OutlierDetector d = OutlierDetector.create(settings(null, null, null, null), clock::get);
        Health h = d.newHealth();
        respond(d, h, 50, 500, 3);
        assertThat(d.isEjected(h)).isFalse();
        assertThat(d.ejectedCount()).isZero();

        OutlierDetector third = OutlierDetector.create(settings(null, null, 34, null), clock::get);
        Health a = third.newHealth();
        Health b = third.newHealth();
        respond(third, a, 5, 500, 3);
        respond(third, b, 5, 500, 3);
        assertThat(third.isEjected(a)).isTrue();
        assertThat(third.isEjected(b)).isFalse();
    }

    @Test
    void aSkippedEjectionStartsTheCountAgain() {
        OutlierDetector d = OutlierDetector.create(settings(null, null, null, null), clock::get);
        Health first = d.newHealth();
        Health second = d.newHealth();
        respond(d, first, 5, 500, 10);
        respond(d, second, 5, 500, 10);
        assertThat(d.isEjected(second)).isFalse();

        advanceSeconds(30);
        assertThat(d.isEjected(first)).isFalse();
        d.onResponse(second, 500, 10);
        assertThat(d.isEjected(second)).isFalse();
        respond(d, second, 4, 500, 10);
        assertThat(d.isEjected(second)).isTrue();
    }

    @Test
    void healthyReturnsTheSameListWhenNothingIsEjected() {
        OutlierDetector d = detector();
        Map<String, Health> health = new IdentityHashMap<>();
        List<String> hosts = List.of("a", "b", "c");
        hosts.forEach(host -> health.put(host, d.newHealth()));
        respond(d, health.get("b"), 4, 500, 3);

        assertThat(d.healthy(hosts, health::get)).isSameAs(hosts);
    }

    @Test
    void healthyLeavesEjectedHostsOutAndKeepsHandingOutTheSameListUntilTheSetChanges() {
        OutlierDetector d = detector();
        Map<String, Health> health = new IdentityHashMap<>();
        List<String> hosts = List.of("a", "b", "c", "d");
        hosts.forEach(host -> health.put(host, d.newHealth()));

        respond(d, health.get("b"), 5, 500, 4);
        List<String> first = d.healthy(hosts, health::get);
        assertThat(first).containsExactly("a", "c", "d");
        assertThat(d.healthy(hosts, health::get)).isSameAs(first);
        assertThatThrownBy(() -> first.add("b")).isInstanceOf(UnsupportedOperationException.class);

        advanceSeconds(10);
        respond(d, health.get("d"), 5, 500, 4);
        List<String> second = d.healthy(hosts, health::get);
        assertThat(second).containsExactly("a", "c");
        assertThat(d.healthy(hosts, health::get)).isSameAs(second);

        List<String> sameHostsOtherList = new ArrayList<>(hosts);
        assertThat(d.healthy(sameHostsOtherList, health::get)).containsExactly("a", "c").isNotSameAs(second);

        advanceSeconds(20);
        assertThat(d.healthy(hosts, health::get)).containsExactly("a", "b", "c");
        advanceSeconds(10);
        assertThat(d.healthy(hosts, health::get)).isSameAs(hosts);
    }

    @Test
    void belowMinHealthPercentOutlierDetectionIsIgnoredAndAllHostsAreReturned() {
        OutlierDetector d = OutlierDetector.create(settings(null, null, 100, 50), clock::get);
        Map<String, Health> health = new IdentityHashMap<>();
        List<String> hosts = List.of("a", "b", "c", "d");
        hosts.forEach(host -> health.put(host, d.newHealth()));

        respond(d, health.get("a"), 5, 500, 4);
        assertThat(d.healthy(hosts, health::get)).containsExactly("b", "c", "d");
        respond(d, health.get("b"), 5, 500, 4);
        assertThat(d.healthy(hosts, health::get)).containsExactly("c", "d");
        respond(d, health.get("c"), 5, 500, 4);
        assertThat(d.healthy(hosts, health::get)).isSameAs(hosts);
        assertThat(d.ejectedCount()).isEqualTo(3);
    }

    @Test
    void withEveryHostEjectedAndNoMinHealthPercentNoHostIsLeft() {
        OutlierDetector d = detector();
        Map<String, Health> health = new IdentityHashMap<>();
        List<String> hosts = List.of("a", "b");
        hosts.forEach(host -> health.put(host, d.newHealth()));
        hosts.forEach(host -> respond(d, health.get(host), 5, 503, 2));
        assertThat(d.healthy(hosts, health::get)).isEmpty();
    }

    @Test
    void withoutSettingsNothingIsEverEjected() {
        OutlierDetector d = OutlierDetector.create(null, clock::get);
        Health h = d.newHealth();
        respond(d, h, 1000, 503, 1);
        for (int i = 0; i < 1000; i++) {
            d.onLocalFailure(h, 1);
        }
        assertThat(d.isEjected(h)).isFalse();
        List<Health> hosts = List.of(h);
        assertThat(d.healthy(hosts, x -> x)).isSameAs(hosts);
        assertThat(d.ejectedCount()).isZero();
        assertThat(d).hasToString("OutlierDetector{disabled}");
    }

    @Test
    void aReloadedDetectorTakesOverEjectionsAndReturnsThemOnTime() {
        OutlierDetector before = detector();
        Health h = before.newHealth();
        respond(before, h, 5, 500, 10);
        assertThat(before.ejectedCount()).isEqualTo(1);

        OutlierDetector after = OutlierDetector.create(settings(1, null, 100, null), clock::get);
        assertThat(after.isEjected(h)).isTrue();
        assertThat(after.ejectedCount()).isEqualTo(1);
        assertThat(before.ejectedCount()).isZero();

        advanceSeconds(30);
        assertThat(after.isEjected(h)).isFalse();
        assertThat(after.ejectedCount()).isZero();

        // the multiplier survived the reload: one error (the new threshold) ejects for 2 x 30 s
        after.onResponse(h, 500, 10);
        advanceSeconds(59);
        assertThat(after.isEjected(h)).isTrue();

        OutlierDetector disabled = OutlierDetector.create(null, clock::get);
        assertThat(disabled.isEjected(h)).isFalse();
        assertThat(after.ejectedCount()).isZero();
    }

    @Test
    void clockArithmeticSurvivesWrapAround() {
        clock.set(Long.MAX_VALUE - 5 * SECOND);
        OutlierDetector d = detector();
        Health h = d.newHealth();
        respond(d, h, 5, 500, 10);
        advanceSeconds(29);
        assertThat(d.isEjected(h)).isTrue();
        advanceSeconds(1);
        assertThat(d.isEjected(h)).isFalse();
    }

    @Test
    void defaultsAndToString() {
        OutlierDetector d = OutlierDetector.create(settings(null, null, 0, null), clock::get);
        assertThat(d).hasToString("OutlierDetector{consecutive5xxErrors=5, consecutiveGatewayErrors=off,"
                + " interval=PT10S, baseEjectionTime=PT30S, maxEjectionTime=PT5M, maxEjectionPercent=10,"
                + " minHealthPercent=0, ejected=0}");
        DestinationRule.OutlierDetection longBase = new DestinationRule.OutlierDetection(null, null, 2, 7,
                Duration.ofMinutes(5), Duration.ofMinutes(15), 50, 20, null);
        assertThat(OutlierDetector.create(longBase, clock::get)).hasToString("OutlierDetector{"
                + "consecutive5xxErrors=7, consecutiveGatewayErrors=2, interval=PT5M, baseEjectionTime=PT15M,"
                + " maxEjectionTime=PT15M, maxEjectionPercent=50, minHealthPercent=20, ejected=0}");
        assertThat(d.newHealth()).hasToString(
                "Health{in service, consecutive5xx=0, consecutiveGateway=0, ejectionMultiplier=0}");
    }

    @Test
    void deprecatedConsecutiveErrorsIsIgnoredLikeIstioDoes() {
        DestinationRule.OutlierDetection s = new DestinationRule.OutlierDetection(null, null, null, null, null,
                null, 100, null, 1);
        OutlierDetector d = OutlierDetector.create(s, clock::get);
        Health h = d.newHealth();
        respond(d, h, 4, 502, 10);
        assertThat(d.isEjected(h)).isFalse();
    }

    @Test
    void rejectsValuesNoRuleCanMean() {
        assertThatThrownBy(() -> OutlierDetector.create(settings(-1, null, null, null), clock::get))
                .hasMessage("outlierDetection.consecutive5xxErrors: -1 (expected: >= 0)");
        assertThatThrownBy(() -> OutlierDetector.create(settings(null, null, 101, null), clock::get))
                .hasMessage("outlierDetection.maxEjectionPercent: 101 (expected: 0 to 100)");
        assertThatThrownBy(() -> OutlierDetector.create(settings(null, null, null, -5), clock::get))
                .hasMessage("outlierDetection.minHealthPercent: -5 (expected: 0 to 100)");
        DestinationRule.OutlierDetection zeroInterval = new DestinationRule.OutlierDetection(null, null, null,
                null, Duration.ZERO, null, null, null, null);
        assertThatThrownBy(() -> OutlierDetector.create(zeroInterval, clock::get))
                .hasMessage("outlierDetection.interval: PT0S (expected: > 0)");
    }

    @Test
    void concurrentErrorsEjectOnceAndConcurrentEjectionsRespectTheCap() throws InterruptedException {
        OutlierDetector d = OutlierDetector.create(settings(null, null, 10, null), clock::get);
        List<Health> hosts = IntStream.range(0, 20).mapToObj(i -> d.newHealth()).toList();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int round = 0; round < 2_000; round++) {
                    for (Health h : hosts) {
                        d.onResponse(h, 503, hosts.size());
                        d.isEjected(h);
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(hosts.stream().filter(d::isEjected).count()).isEqualTo(2);
        assertThat(d.ejectedCount()).isEqualTo(2);
    }
}

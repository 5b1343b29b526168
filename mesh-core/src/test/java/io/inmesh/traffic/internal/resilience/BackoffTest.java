package io.inmesh.traffic.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void envoysDefaultIs25MillisecondsCappedAt250() {
        Backoff backoff = Backoff.of(null);
        assertThat(backoff.baseMillis()).isEqualTo(25);
        assertThat(backoff.maxMillis()).isEqualTo(250);
        assertThat(backoff).hasToString("Backoff{base=25ms, max=250ms, full jitter}");
    }

    @Test
    void boundIsTwoToTheRetryNumberMinusOneTimesTheBaseUpToTheCap() {
        Backoff backoff = Backoff.of(null);
        assertThat(backoff.boundMillis(1)).isEqualTo(25);
        assertThat(backoff.boundMillis(2)).isEqualTo(75);
        assertThat(backoff.boundMillis(3)).isEqualTo(175);
        assertThat(backoff.boundMillis(4)).isEqualTo(250);
        assertThat(backoff.boundMillis(62)).isEqualTo(250);
        assertThat(backoff.boundMillis(63)).isEqualTo(250);
        assertThat(backoff.boundMillis(Integer.MAX_VALUE)).isEqualTo(250);

        Backoff configured = Backoff.of(Duration.ofMillis(100));
        assertThat(configured.maxMillis()).isEqualTo(1000);
        assertThat(configured.boundMillis(1)).isEqualTo(100);
        assertThat(configured.boundMillis(2)).isEqualTo(300);
        assertThat(configured.boundMillis(3)).isEqualTo(700);
        assertThat(configured.boundMillis(4)).isEqualTo(1000);
    }

    @Test
    void delaysAreFullyJitteredWithinTheBoundOfEachRetry() {
        Backoff backoff = Backoff.of(null);
        RandomGenerator random = new SplittableRandom(20_240_611L);
        int samples = 50_000;
        for (int retry = 1; retry <= 6; retry++) {
            long bound = backoff.boundMillis(retry);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            double sum = 0;
            for (int i = 0; i < samples; i++) {
                long delay = backoff.delayMillis(retry, random);
                min = Math.min(min, delay);
                max = Math.max(max, delay);
                sum += delay;
            }
            assertThat(min).as("retry %s", retry).isZero();
            assertThat(max).as("retry %s", retry).isEqualTo(bound - 1).isLessThan(backoff.maxMillis());
            assertThat(sum / samples).as("mean of retry %s", retry).isCloseTo((bound - 1) / 2.0, within(bound * 0.02));
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        Backoff backoff = Backoff.of(Duration.ofMillis(40));
        RandomGenerator a = new SplittableRandom(7);
        RandomGenerator b = new SplittableRandom(7);
        for (int retry = 1; retry < 20; retry++) {
            assertThat(backoff.delayMillis(retry, a)).isEqualTo(backoff.delayMillis(retry, b));
        }
    }

    @Test
    void wholeMillisecondsWithAFloorOfOne() {
        assertThat(Backoff.of(Duration.ofNanos(300)).baseMillis()).isEqualTo(1);
        assertThat(Backoff.of(Duration.ofNanos(2_700_000)).baseMillis()).isEqualTo(2);
        Backoff huge = Backoff.of(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(huge.maxMillis()).isEqualTo(Long.MAX_VALUE);
        assertThat(huge.boundMillis(1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rejectsWhatNoRouteCanMean() {
        assertThatThrownBy(() -> Backoff.of(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retries.backoff: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Backoff.of(Duration.ofMillis(-5)))
                .hasMessage("retries.backoff: PT-0.005S (expected: > 0)");
        assertThatThrownBy(() -> Backoff.of(null).delayMillis(0, new SplittableRandom(1)))
                .hasMessage("retryNumber: 0 (expected: >= 1)");
    }
}

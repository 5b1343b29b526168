package io.inmesh.config.source.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DebouncerTest {
    private static final long MS = 1_000_000L;

    private final Debouncer debouncer = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(1));

    @Test
    void nothingPendingNothingFires() {
        assertThat(debouncer.pending()).isFalse();
        assertThat(debouncer.fireIfDue(5_000 * MS)).isFalse();
    }

    @Test
    void aBurstFiresOnceAQuietPeriodAfterItsLastEvent() {
        long t0 = 42 * MS;
        for (int i = 0; i < 20; i++) {
            debouncer.event(t0 + i * MS);
        }
        assertThat(debouncer.deadline()).isEqualTo(t0 + 19 * MS + 100 * MS);
        assertThat(debouncer.fireIfDue(t0 + 118 * MS)).isFalse();
        assertThat(debouncer.fireIfDue(t0 + 119 * MS)).isTrue();
        assertThat(debouncer.fireIfDue(t0 + 500 * MS)).isFalse();
        assertThat(debouncer.pending()).isFalse();
    }

    @Test
    void aBurstThatNeverGoesQuietStillFiresAtTheMaxDelay() {
        long t = 0;
        int fired = 0;
        for (int i = 0; i < 300; i++, t += 10 * MS) { // an event every 10 ms for 3 s
            debouncer.event(t);
            if (debouncer.fireIfDue(t)) {
                fired++;
            }
        }
        assertThat(fired).isEqualTo(2); // at 1 s and at 2 s after the first pending event
    }

    @Test
    void comparesByDifferenceSoNanoTimeWrapAroundIsHarmless() {
        long t0 = Long.MAX_VALUE - 50 * MS;
        debouncer.event(t0);
        assertThat(debouncer.fireIfDue(t0 + 99 * MS)).isFalse(); // wrapped to negative
        assertThat(debouncer.fireIfDue(t0 + 100 * MS)).isTrue();
    }

    @Test
    void aZeroQuietPeriodFiresAtOnce() {
        Debouncer immediate = new Debouncer(Duration.ZERO, Duration.ofSeconds(1));
        immediate.event(7);
        assertThat(immediate.fireIfDue(7)).isTrue();
    }
}

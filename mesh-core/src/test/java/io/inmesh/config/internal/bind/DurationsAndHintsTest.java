package io.inmesh.config.internal.bind;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationsAndHintsTest {

    @Test
    void parsesGoStyleDurations() {
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("250µs")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("7")).isNull();
        assertThat(Durations.parse("5x")).isNull();
        assertThat(Durations.parse("-1s")).isNull();
        assertThat(Durations.parse("")).isNull();
        assertThat(Durations.parse("1..5s")).isNull();
        assertThat(Durations.parse("9999999999999h")).isNull();
    }

    @Test
    void formatsAsIstioWritesThem() {
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(Durations.format(Duration.ofMinutes(3))).isEqualTo("3m");
        assertThat(Durations.format(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(Durations.format(Duration.ofNanos(5))).isEqualTo("5ns");
    }

    @Test
    void suggestsTheClosestNameForTyposOnly() {
        List<String> fields = List.of("retries", "route", "rewrite", "timeout", "retryOn", "perTryTimeout");
        assertThat(Hints.closest("retires", fields)).isEqualTo("retries");
        assertThat(Hints.closest("retry_on", fields)).isEqualTo("retryOn");
        assertThat(Hints.closest("RetryOn", fields)).isEqualTo("retryOn");
        assertThat(Hints.closest("timout", fields)).isEqualTo("timeout");
        assertThat(Hints.closest("perTryTimout", fields)).isEqualTo("perTryTimeout");
        assertThat(Hints.closest("banana", fields)).isNull();
        assertThat(Hints.didYouMean("xyz", fields)).isEmpty();
    }
}

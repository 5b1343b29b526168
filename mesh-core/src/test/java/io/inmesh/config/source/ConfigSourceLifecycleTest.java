package io.inmesh.config.source;

import static io.inmesh.config.source.Fixtures.await;
import static io.inmesh.config.source.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceLifecycleTest {
    /** Events and a fast poll: either would call back if close() did not stop both. */
    private static final WatchOptions EVERYTHING_ON = WatchOptions.builder().pollInterval(Duration.ofMillis(50))
            .quietPeriod(Duration.ofMillis(10)).build();

    @TempDir
    Path tmp;

    @Test
    void closeStopsCallbacks() {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        Changes changes = new Changes();
        ConfigSource source = ConfigSources.file(file, EVERYTHING_ON);
        source.watch(changes);
        write(file, "v: 2\n");
        await().until(() -> changes.count() >= 1);

        source.close();
        int atClose = changes.count();
        write(file, "v: 3\n");
        write(tmp.resolve("mesh.yaml"), "v: 4\n");
        await().during(Duration.ofMillis(500)).until(() -> changes.count() == atClose);
        source.close(); // idempotent
    }

    @Test
    void closeWaitsForARunningCallback() throws Exception {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        ConfigSource source = ConfigSources.file(file, EVERYTHING_ON);
        source.watch(() -> {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.incrementAndGet();
        });
        write(file, "v: 2\n");
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicInteger finishedWhenCloseReturned = new AtomicInteger(-1);
        Thread closer = new Thread(() -> {
            source.close();
            finishedWhenCloseReturned.set(finished.get());
        });
        closer.start();
        await().until(() -> closer.getState() == Thread.State.WAITING);
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(closer.isAlive()).isFalse();
        assertThat(finishedWhenCloseReturned.get()).isEqualTo(1); // close() returned after the callback did
    }

    @Test
    void closeFromInsideTheCallbackEndsTheWatch() {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<ConfigSource> self = new AtomicReference<>();
        ConfigSource source = ConfigSources.file(file, EVERYTHING_ON);
        self.set(source);
        source.watch(() -> {
            calls.incrementAndGet();
            self.get().close();
        });
        write(file, "v: 2\n");
        await().until(() -> calls.get() == 1);
        write(file, "v: 3\n");
        await().during(Duration.ofMillis(500)).until(() -> calls.get() == 1);
    }

    @Test
    void aThrowingCallbackIsLoggedAndWatchingGoesOn() {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        AtomicInteger calls = new AtomicInteger();
        try (ConfigSource source = ConfigSources.file(file, Fixtures.EVENTS_ONLY)) {
            source.watch(() -> {
                calls.incrementAndGet();
                throw new IllegalStateException("boom (expected by the test)");
            });
            write(file, "v: 2\n");
            await().until(() -> calls.get() >= 1);
            int before = calls.get();
            await().during(Duration.ofMillis(300)).until(() -> calls.get() == before);
            write(file, "v: 3\n");
            await().until(() -> calls.get() > before);
        }
    }

    @Test
    void watchTwiceOrAfterCloseIsAMistake() {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        try (ConfigSource source = ConfigSources.file(file)) {
            source.watch(() -> { });
            assertThatThrownBy(() -> source.watch(() -> { })).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already watching");
        }
        ConfigSource closed = ConfigSources.file(file);
        closed.close();
        assertThatThrownBy(() -> closed.watch(() -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void watchOptionsCheckTheirValues() {
        WatchOptions defaults = WatchOptions.defaults();
        assertThat(defaults.quietPeriod()).isEqualTo(Duration.ofMillis(25));
        assertThat(defaults.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.fileEvents()).isTrue();
        assertThat(defaults.maxDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(WatchOptions.builder().quietPeriod(Duration.ofMillis(500)).build().maxDelay())
                .isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> WatchOptions.builder().quietPeriod(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("quietPeriod: PT-0.001S (expected: >= 0)");
        assertThatThrownBy(() -> WatchOptions.builder().pollInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pollInterval: PT0S (expected: > 0)");
    }
}

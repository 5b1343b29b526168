package io.inmesh.config.source;

import static io.inmesh.config.source.Fixtures.EVENTS_ONLY;
import static io.inmesh.config.source.Fixtures.await;
import static io.inmesh.config.source.Fixtures.contents;
import static io.inmesh.config.source.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheFileNamedByItsPathWhateverItsName() throws IOException {
        Path file = write(tmp.resolve("mesh.conf"), "kind: VirtualService\n");
        try (ConfigSource source = ConfigSources.file(file)) {
            assertThat(contents(source.read())).containsExactly(Map.entry(file.toString(), "kind: VirtualService\n"));
            assertThat(source.description()).isEqualTo("file " + file);
        }
    }

    @Test
    void readOfAMissingFileThrowsRatherThanReturningNothing() {
        try (ConfigSource source = ConfigSources.file(tmp.resolve("absent.yaml"))) {
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void readOfADirectoryNamesTheMistake() {
        try (ConfigSource source = ConfigSources.file(tmp)) {
            assertThatThrownBy(source::read).isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("is a directory").hasMessageContaining("ConfigSources.directory");
        }
    }

    @Test
    void watchSeesModifyDeleteAndRecreate() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(changes);

            write(file, "v: 2\n");
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "v: 2\n"));

            int before = changes.count();
            Files.delete(file);
            await().until(() -> changes.count() > before);
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);

            int afterDelete = changes.count();
            write(file, "v: 3\n");
            await().until(() -> changes.count() > afterDelete);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "v: 3\n"));
        }
        assertThat(changes.overlaps()).isZero();
        assertThat(changes.threads).hasSize(1).allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    }

    @Test
    void anAtomicReplaceByRenameIsAChange() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(changes);
            Path staged = write(tmp.resolve(".mesh.yaml.tmp"), "v: 2\n");
            Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "v: 2\n"));
        }
    }

    @Test
    void otherFilesInTheDirectoryAreNotChanges() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(changes);
            write(tmp.resolve("other.yaml"), "x: 1\n");
            write(tmp.resolve("notes.txt"), "x\n");
            await().during(Duration.ofMillis(500)).until(() -> changes.count() == 0);
        }
    }

    @Test
    void anOverflowOfEventsCountsAsAChange() throws Exception {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(() -> {
                calls.incrementAndGet();
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            write(file, "v: 2\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            // while the callback blocks, more events pile up than the JDK keeps per key (512): it reports OVERFLOW.
            // None of these names is a change by itself; only the overflow makes one.
            for (int i = 0; i < 1000; i++) {
                write(tmp.resolve("noise-" + i + ".txt"), "x");
            }
            release.countDown();
            await().until(() -> calls.get() >= 2);
        }
    }

    @Test
    void aFileThatDoesNotExistYetCanBeWatched() throws IOException {
        Path file = tmp.resolve("later.yaml");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(changes);
            write(file, "v: 1\n");
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "v: 1\n"));
        }
    }

    @Test
    void twentyRapidWritesAreDebouncedIntoFewCallsAndTheLastContentIsRead() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "n: start\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, EVENTS_ONLY)) {
            source.watch(changes);
            for (int i = 0; i < 20; i++) {
                write(file, "n: " + i + "\n");
            }
            await().until(() -> changes.count() >= 1);
            // let any straggler arrive, then count: a burst is one call, two or three if the writer was slow
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(() -> changes.count() <= 3);
            assertThat(changes.count()).isBetween(1, 3);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "n: 19\n"));
        }
    }

    @Test
    void pollingAloneSeesAChangeWhenFileEventsAreOff() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        WatchOptions pollOnly = WatchOptions.builder().fileEvents(false).pollInterval(Duration.ofMillis(200))
                .quietPeriod(Duration.ofMillis(50)).build();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, pollOnly)) {
            source.watch(changes);
            write(file, "v: 2 (a longer body)\n");
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsExactly(Map.entry(file.toString(), "v: 2 (a longer body)\n"));

            int before = changes.count();
            Files.delete(file);
            await().until(() -> changes.count() > before);
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void pollingDoesNotFireWhenNothingChanged() throws IOException {
        Path file = write(tmp.resolve("mesh.yaml"), "v: 1\n");
        WatchOptions pollOnly = WatchOptions.builder().fileEvents(false).pollInterval(Duration.ofMillis(50)).build();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(file, pollOnly)) {
            source.watch(changes);
            // same bytes rewritten: the fingerprint is content, not mtime
            write(file, "v: 1\n");
            await().during(Duration.ofMillis(500)).until(() -> changes.count() == 0);
        }
    }
}

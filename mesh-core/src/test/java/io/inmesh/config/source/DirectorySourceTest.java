package io.inmesh.config.source;

import static io.inmesh.config.source.Fixtures.EVENTS_ONLY;
import static io.inmesh.config.source.Fixtures.await;
import static io.inmesh.config.source.Fixtures.contents;
import static io.inmesh.config.source.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySourceTest {
    @TempDir
    Path tmp;

    @Test
    void readsYamlRecursivelySortedSkippingHiddenAndOtherFiles() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("b.yaml"), "b\n");
        write(dir.resolve("a.yml"), "a\n");
        write(dir.resolve("sub/deeper/c.yaml"), "c\n");
        write(dir.resolve("README.md"), "no\n");
        write(dir.resolve("a.yaml.bak"), "no\n");
        write(dir.resolve(".hidden.yaml"), "no\n");
        write(dir.resolve(".git/config.yaml"), "no\n");
        write(dir.resolve("sub/.cache/x.yaml"), "no\n");
        try (ConfigSource source = ConfigSources.directory(dir)) {
            assertThat(contents(source.read())).containsExactly(
                    Map.entry(dir.resolve("a.yml").toString(), "a\n"),
                    Map.entry(dir.resolve("b.yaml").toString(), "b\n"),
                    Map.entry(dir.resolve("sub/deeper/c.yaml").toString(), "c\n"));
        }
    }

    @Test
    void anExistingEmptyDirectoryHoldsNothingButAMissingOneThrows() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("empty"));
        try (ConfigSource source = ConfigSources.directory(dir)) {
            assertThat(source.read()).isEmpty();
        }
        try (ConfigSource source = ConfigSources.directory(tmp.resolve("absent"))) {
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);
        }
        Path file = write(tmp.resolve("file.yaml"), "x\n");
        try (ConfigSource source = ConfigSources.directory(file)) {
            assertThatThrownBy(source::read).isInstanceOf(NotDirectoryException.class);
        }
    }

    @Test
    void watchesNestedDirectoriesIncludingOnesCreatedAfterWatchStarts() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("nested/a.yaml"), "a: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(dir, EVENTS_ONLY)) {
            source.watch(changes);

            write(dir.resolve("nested/a.yaml"), "a: 2\n");
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsEntry(dir.resolve("nested/a.yaml").toString(), "a: 2\n");

            int c1 = changes.count();
            Path created = dir.resolve("later/deep");
            Files.createDirectories(created);
            write(created.resolve("b.yaml"), "b: 1\n");
            await().until(() -> changes.count() > c1);
            await().until(() -> contents(source).containsKey(created.resolve("b.yaml").toString()));

            // an event from inside the new directory proves it is watched (polling is off for this test)
            int c2 = changes.count();
            await().during(Duration.ofMillis(300)).until(() -> changes.count() == c2); // settled
            write(created.resolve("b.yaml"), "b: 2\n");
            await().until(() -> changes.count() > c2);
            assertThat(contents(source)).containsEntry(created.resolve("b.yaml").toString(), "b: 2\n");
        }
    }

    @Test
    void nonYamlAndHiddenChangesAreNotChanges() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("a.yaml"), "a: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(dir, EVENTS_ONLY)) {
            source.watch(changes);
            write(dir.resolve("notes.txt"), "x\n");
            write(dir.resolve(".a.yaml.swp"), "x\n");
            write(dir.resolve("a.yaml~"), "x\n");
            Files.createDirectories(dir.resolve(".hidden"));
            write(dir.resolve(".hidden/x.yaml"), "x\n");
            await().during(Duration.ofMillis(500)).until(() -> changes.count() == 0);

            write(dir.resolve("a.yaml"), "a: 2\n");
            await().until(() -> changes.count() >= 1);
        }
    }

    @Test
    void deletingTheDirectoryIsAChangeAndReadThenThrows() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("sub/a.yaml"), "a: 1\n");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(dir, EVENTS_ONLY)) {
            source.watch(changes);
            deleteTree(dir);
            await().until(() -> changes.count() >= 1);
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void aDirectoryReplacedWholeIsPickedUpAgainByPolling() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("a.yaml"), "a: 1\n");
        WatchOptions options = WatchOptions.builder().pollInterval(Duration.ofMillis(200)).build();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(dir, options)) {
            source.watch(changes);
            deleteTree(dir);
            await().until(() -> changes.count() >= 1);
            int afterDelete = changes.count();
            // nothing watches the parent: only the poll sees the directory come back (and registers it again)
            write(dir.resolve("a.yaml"), "a: 2\n");
            await().until(() -> changes.count() > afterDelete);
            assertThat(contents(source)).containsExactly(Map.entry(dir.resolve("a.yaml").toString(), "a: 2\n"));
        }
    }

    @Test
    void pollingAloneSeesANestedChangeWhenFileEventsAreOff() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("sub/a.yaml"), "a: 1\n");
        WatchOptions pollOnly = WatchOptions.builder().fileEvents(false).pollInterval(Duration.ofMillis(200)).build();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(dir, pollOnly)) {
            source.watch(changes);
            write(dir.resolve("sub/new/b.yaml"), "b: 1\n");
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source)).containsEntry(dir.resolve("sub/new/b.yaml").toString(), "b: 1\n");
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

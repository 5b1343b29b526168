package io.inmesh.config.source;

import static io.inmesh.config.source.Fixtures.EVENTS_ONLY;
import static io.inmesh.config.source.Fixtures.await;
import static io.inmesh.config.source.Fixtures.contents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigMapVolumeSourceTest {
    @TempDir
    Path tmp;

    private static Map<String, String> version(int n) {
        return Map.of("a.yaml", "v: " + n + "\n", "b.yml", "v: " + n + "\n", "c.yaml", "v: " + n + "\n",
                "ca.crt", "not yaml " + n + "\n");
    }

    @Test
    void theTestBuildsKubeletsLayout() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), Map.of("mesh.yaml", "x\n"));
        Path mount = volume.mount;
        assertThat(Files.readSymbolicLink(mount.resolve("..data")).toString())
                .isEqualTo("..2026_11_25_10_00_00.123456789");
        assertThat(Files.readSymbolicLink(mount.resolve("mesh.yaml"))).isEqualTo(Path.of("..data/mesh.yaml"));
        assertThat(Files.readString(mount.resolve("mesh.yaml"))).isEqualTo("x\n");
        volume.update(Map.of("mesh.yaml", "y\n"));
        assertThat(Files.readSymbolicLink(mount.resolve("..data")).toString())
                .isEqualTo("..2026_11_25_10_00_01.123456789");
        assertThat(mount.resolve("..2026_11_25_10_00_00.123456789")).doesNotExist();
        assertThat(mount.resolve("..data_tmp")).doesNotExist();
    }

    @Test
    void readsTheYamlKeysThroughDataNamedByMountPathAndKey() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Path mount = volume.mount;
        try (ConfigSource source = ConfigSources.configMapVolume(mount)) {
            assertThat(contents(source.read())).containsExactly(
                    Map.entry(mount.resolve("a.yaml").toString(), "v: 1\n"),
                    Map.entry(mount.resolve("b.yml").toString(), "v: 1\n"),
                    Map.entry(mount.resolve("c.yaml").toString(), "v: 1\n"));
            assertThat(source.description()).isEqualTo("ConfigMap volume " + mount);
        }
    }

    @Test
    void detectTellsTheKinds() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        Path file = Fixtures.write(tmp.resolve("one.yaml"), "x\n");
        try (ConfigSource cm = ConfigSources.detect(volume.mount);
             ConfigSource dir = ConfigSources.detect(plain);
             ConfigSource f = ConfigSources.detect(file)) {
            assertThat(cm.description()).startsWith("ConfigMap volume ");
            assertThat(dir.description()).startsWith("directory ");
            assertThat(f.description()).startsWith("file ");
        }
        assertThatThrownBy(() -> ConfigSources.detect(tmp.resolve("absent")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aMissingMountOrAMissingDataThrows() throws IOException {
        try (ConfigSource source = ConfigSources.configMapVolume(tmp.resolve("absent"))) {
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("ConfigMap volume not found");
        }
        Path notAVolume = Files.createDirectory(tmp.resolve("plain"));
        Fixtures.write(notAVolume.resolve("a.yaml"), "x\n");
        try (ConfigSource source = ConfigSources.configMapVolume(notAVolume)) {
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("..data");
        }
    }

    @Test
    void theDataSwapIsAChangeAndTheNewVersionIsReadWhole() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Path mount = volume.mount;
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.configMapVolume(mount, EVENTS_ONLY)) {
            source.watch(changes);
            // a key changed, a key dropped, a key added
            volume.update(Map.of("a.yaml", "v: 2\n", "b.yml", "v: 2\n", "d.yaml", "new: 2\n"));
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source.read())).containsExactly(
                    Map.entry(mount.resolve("a.yaml").toString(), "v: 2\n"),
                    Map.entry(mount.resolve("b.yml").toString(), "v: 2\n"),
                    Map.entry(mount.resolve("d.yaml").toString(), "new: 2\n"));
        }
    }

    @Test
    void readsNeverMixVersionsWhileKubeletSwaps() throws Exception {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(0));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        Set<String> failures = ConcurrentHashMap.newKeySet();
        List<String> mixed = new ArrayList<>();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.configMapVolume(volume.mount, EVENTS_ONLY)) {
            source.watch(changes);
            Thread reader = new Thread(() -> {
                while (!done.get()) {
                    try {
                        List<ConfigFile> files = source.read();
                        Set<String> bodies = new HashSet<>(contents(files).values());
                        if (files.size() != 3 || bodies.size() != 1) {
                            synchronized (mixed) {
                                mixed.add(contents(files).toString());
                            }
                        }
                        reads.incrementAndGet();
                    } catch (IOException e) {
                        failures.add(e.getClass().getSimpleName()); // allowed: the caller keeps its last good
                    }
                }
            });
            reader.start();
            for (int n = 1; n <= 200; n++) {
                volume.update(version(n));
            }
            await().until(() -> reads.get() > 0);
            done.set(true);
            reader.join();

            assertThat(mixed).isEmpty();
            // a read may fail while kubelet swaps (the caller keeps its last good config), never half-succeed
            assertThat(failures).isSubsetOf("NoSuchFileException", "IOException");
            await().until(() -> changes.count() >= 1);
            assertThat(new HashSet<>(contents(source.read()).values())).containsExactly("v: 200\n");
        }
    }

    @Test
    void pollingAloneSeesTheSwapWhenFileEventsAreOff() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        WatchOptions pollOnly = WatchOptions.builder().fileEvents(false).pollInterval(Duration.ofMillis(200)).build();
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.configMapVolume(volume.mount, pollOnly)) {
            source.watch(changes);
            volume.update(version(2));
            await().until(() -> changes.count() >= 1);
            assertThat(new HashSet<>(contents(source.read()).values())).containsExactly("v: 2\n");
        }
    }

    @Test
    void aDirectorySourceOverAVolumeSeesTheSwapToo() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.directory(volume.mount, EVENTS_ONLY)) {
            assertThat(contents(source.read())).containsOnlyKeys(volume.mount.resolve("a.yaml").toString(),
                    volume.mount.resolve("b.yml").toString(), volume.mount.resolve("c.yaml").toString());
            source.watch(changes);
            volume.update(version(2));
            await().until(() -> changes.count() >= 1);
            assertThat(new HashSet<>(contents(source.read()).values())).containsExactly("v: 2\n");
        }
    }

    @Test
    void aFileSourceOnAKeySeesTheSwapToo() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Path key = volume.mount.resolve("a.yaml");
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.file(key, EVENTS_ONLY)) {
            source.watch(changes);
            volume.update(version(2));
            await().until(() -> changes.count() >= 1);
            assertThat(contents(source.read())).containsExactly(Map.entry(key.toString(), "v: 2\n"));
        }
    }

    @Test
    void deletingTheVolumeIsAChangeAndReadThenThrows() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("mesh"), version(1));
        Changes changes = new Changes();
        try (ConfigSource source = ConfigSources.configMapVolume(volume.mount, EVENTS_ONLY)) {
            source.watch(changes);
            DirectorySourceTest.deleteTree(volume.mount);
            await().until(() -> changes.count() >= 1);
            assertThatThrownBy(source::read).isInstanceOf(NoSuchFileException.class);
        }
    }
}

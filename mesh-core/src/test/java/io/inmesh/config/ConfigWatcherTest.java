package io.inmesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.inmesh.config.source.ConfigSources;
import io.inmesh.config.source.KubeletVolume;
import io.inmesh.config.source.WatchOptions;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher against real files, directories and a kubelet-style ConfigMap volume on disk. */
class ConfigWatcherTest {

    static String vs(String subset) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: SUBSET}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                """.replace("SUBSET", subset);
    }

    static final WatchOptions FAST = WatchOptions.builder().quietPeriod(Duration.ofMillis(20))
            .pollInterval(Duration.ofMillis(500)).build();

    @TempDir
    Path dir;

    ConfigWatcher watcher;
    final ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
    final List<MeshSnapshot> swaps = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    static String subset(MeshSnapshot s) {
        return s.virtualServicesFor("reviews.default.svc.cluster.local").get(0).routes().get(0).destinations()
                .destinations().get(0).subset();
    }

    /** Replaces a file the way editors and kubectl do: write beside it, then rename over it. */
    static void replace(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void loadsAtStartAndFollowsChangesKeepingTheLastGoodOnBadOnes() throws Exception {
        Path file = dir.resolve("mesh.yaml");
        Files.writeString(file, vs("v1"));
        watcher = ConfigWatcher.start(ConfigSources.file(file, FAST), holder);
        holder.addListener(swaps::add);
        assertThat(subset(holder.current())).isEqualTo("v1");

        replace(file, vs("v2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> swaps.size() == 1);
        assertThat(subset(holder.current())).isEqualTo("v2");

        MeshSnapshot good = holder.current();
        replace(file, vs("v2").replace("subsets:", "subsetz:"));
        await().atMost(Duration.ofSeconds(10)).until(() -> holder.lastRejection().isPresent());
        assertThat(holder.lastRejection().get().errors()).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("did you mean 'subsets'"));
        assertThat(holder.current()).isSameAs(good);

        Files.delete(file);
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.lastReadError().isPresent());
        assertThat(watcher.lastReadError().get()).isInstanceOf(NoSuchFileException.class);
        assertThat(holder.current()).isSameAs(good);

        Files.writeString(file, vs("v1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> swaps.size() == 2);
        assertThat(subset(holder.current())).isEqualTo("v1");
        assertThat(watcher.lastReadError()).isEmpty();
    }

    @Test
    void aHalfWrittenFileNeverReplacesTheLastGood() throws Exception {
        Path file = dir.resolve("mesh.yaml");
        String full = vs("v2");
        Files.writeString(file, vs("v1"));
        watcher = ConfigWatcher.start(ConfigSources.file(file, FAST), holder);
        holder.addListener(swaps::add);
        MeshSnapshot good = holder.current();
        // Written in place in two halves, as a slow writer would, with a pause between them.
        Files.writeString(file, full.substring(0, full.length() / 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> holder.lastRejection().isPresent());
        assertThat(holder.current()).isSameAs(good);
        assertThat(swaps).isEmpty();
        Files.writeString(file, full);
        await().atMost(Duration.ofSeconds(10)).until(() -> swaps.size() == 1);
        assertThat(subset(holder.current())).isEqualTo("v2");
    }

    @Test
    void aDirectoryThatWasNeverValidFailsStartUpWithTheDiagnostics() throws Exception {
        Files.createDirectories(dir.resolve("conf/sub"));
        Files.writeString(dir.resolve("conf/a.yaml"), vs("v1"));
        Files.writeString(dir.resolve("conf/sub/b.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: other}
                spec:
                  hosts: [other]
                  http:
                  - retries: {attempts: -1}
                    route: [{destination: {host: other}}]
                """);
        assertThatThrownBy(() -> ConfigWatcher.start(ConfigSources.directory(dir.resolve("conf"), FAST), holder))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("invalid mesh configuration in directory")
                .hasMessageContaining("b.yaml:7:")
                .hasMessageContaining("spec.http[0].retries.attempts: attempts -1 is negative")
                .satisfies(e -> assertThat(((InvalidConfigException) e).diagnostics()).isNotEmpty());
        assertThat(holder.loaded()).isFalse();
    }

    @Test
    void aMissingSourceFailsStartUp() {
        assertThatThrownBy(() -> ConfigWatcher.start(ConfigSources.file(dir.resolve("none.yaml"), FAST), holder))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void followsAConfigMapVolumeAcrossKubeletSwaps() throws Exception {
        Path mount = dir.resolve("mesh-config");
        KubeletVolume volume = KubeletVolume.create(mount, Map.of("routes.yaml", vs("v1"), "README", "ignored"));
        watcher = ConfigWatcher.start(ConfigSources.configMapVolume(mount, FAST), holder);
        holder.addListener(swaps::add);
        assertThat(subset(holder.current())).isEqualTo("v1");
        assertThat(holder.current().resources()).hasSize(2);

        volume.update(Map.of("routes.yaml", vs("v2"), "README", "still ignored"));
        await().atMost(Duration.ofSeconds(10)).until(() -> swaps.size() == 1);
        assertThat(subset(holder.current())).isEqualTo("v2");

        volume.update(Map.of("routes.yaml", "not: [valid"));
        await().atMost(Duration.ofSeconds(10)).until(() -> holder.lastRejection().isPresent());
        assertThat(holder.lastRejection().get().errors().get(0).file()).isEqualTo(mount.resolve("routes.yaml").toString());
        assertThat(subset(holder.current())).isEqualTo("v2");
    }

    @Test
    void aFileTruncatedBeforeItIsRewrittenNeverServesAnEmptyConfiguration() throws Exception {
        Path file = dir.resolve("mesh.yaml");
        Files.writeString(file, vs("v1"));
        watcher = ConfigWatcher.start(ConfigSources.file(file, FAST), holder);
        holder.addListener(swaps::add);
        MeshSnapshot good = holder.current();
        // Shell redirection and editors saving in place truncate first, then write.
        Files.write(file, new byte[0]);
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.lastReadError().isPresent());
        assertThat(watcher.lastReadError().get()).hasMessageContaining("file is empty");
        assertThat(holder.current()).isSameAs(good);
        assertThat(swaps).isEmpty();
        Files.writeString(file, vs("v2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> swaps.size() == 1);
        assertThat(subset(holder.current())).isEqualTo("v2");
        assertThat(swaps).allSatisfy(sn -> assertThat(sn.resources()).hasSize(2));
    }

    @Test
    void aChangeBetweenTheFirstReadAndTheWatchIsNotMissed() throws Exception {
        Path file = dir.resolve("mesh.yaml");
        Files.writeString(file, vs("v1"));
        var real = ConfigSources.file(file, FAST);
        var racing = new io.inmesh.config.source.ConfigSource() {
            boolean first = true;

            @Override
            public String description() {
                return real.description();
            }

            @Override
            public List<ConfigFile> read() throws java.io.IOException {
                List<ConfigFile> files = real.read();
                if (first) {
                    first = false;
                    Files.writeString(file, vs("v2")); // lands after the read, before the watch starts
                }
                return files;
            }

            @Override
            public void watch(Runnable onChange) {
                real.watch(onChange);
            }

            @Override
            public void close() {
                real.close();
            }
        };
        watcher = ConfigWatcher.start(racing, holder);
        assertThat(subset(holder.current())).isEqualTo("v2");
    }
}

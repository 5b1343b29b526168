package io.inmesh.config.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a ConfigMap volume on disk the way kubelet's AtomicWriter does: real files in a timestamped directory,
 * {@code ..data -> ..TIMESTAMP}, {@code KEY -> ..data/KEY}; an update writes a new timestamped directory, points
 * {@code ..data_tmp} at it, renames {@code ..data_tmp} over {@code ..data} atomically, adds links for new keys,
 * removes links of dropped keys, then deletes the old directory.
 */
public final class KubeletVolume {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.nnnnnnnnn");
    private static final LocalDateTime START = LocalDateTime.of(2026, 11, 25, 10, 0, 0, 123_456_789);

    final Path mount;
    private int versions;
    private Path current;
    private Set<String> keys = Set.of();

    private KubeletVolume(Path mount) {
        this.mount = mount;
    }

    public static KubeletVolume create(Path mount, Map<String, String> data) throws IOException {
        Files.createDirectories(mount);
        KubeletVolume v = new KubeletVolume(mount);
        Path version = v.writeVersion(data);
        Files.createSymbolicLink(mount.resolve("..data"), version.getFileName());
        v.linkKeys(data.keySet());
        v.current = version;
        v.keys = Set.copyOf(data.keySet());
        return v;
    }

    /** The timestamped directory {@code ..data} points to now. */
    Path currentVersion() {
        return current;
    }

    public void update(Map<String, String> data) throws IOException {
        Path version = writeVersion(data);
        Path tmp = mount.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, version.getFileName());
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        linkKeys(data.keySet());
        Set<String> dropped = new HashSet<>(keys);
        dropped.removeAll(data.keySet());
        for (String key : dropped) {
            Files.delete(mount.resolve(key));
        }
        Path old = current;
        current = version;
        keys = Set.copyOf(data.keySet());
        for (String key : Files.list(old).map(p -> p.getFileName().toString()).toList()) {
            Files.delete(old.resolve(key));
        }
        Files.delete(old);
    }

    private Path writeVersion(Map<String, String> data) throws IOException {
        Path dir = Files.createDirectory(mount.resolve(START.plusSeconds(versions++).format(TIMESTAMP)));
        for (Map.Entry<String, String> e : data.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    private void linkKeys(Set<String> names) throws IOException {
        for (String key : names) {
            Path link = mount.resolve(key);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data", key));
            }
        }
    }
}

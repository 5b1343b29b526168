package io.inmesh.config.source.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigFiles;
import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A Kubernetes ConfigMap mounted as a volume. Kubelet's layout: the mount directory holds a timestamped directory
 * ({@code ..2026_11_25_10_00_00.123456789}) with the real files, a symlink {@code ..data} to it, and per key a
 * symlink {@code KEY -> ..data/KEY}. An update writes a new timestamped directory, renames a {@code ..data_tmp}
 * symlink over {@code ..data}, then deletes the old directory.
 *
 * <p>A read resolves {@code ..data} once and reads the keys ending in {@code .yaml}/{@code .yml} from that one
 * version, so it never mixes versions; if kubelet deletes that version mid-read, the read starts over on the new
 * one. Each file is named by the mount path plus the key ({@code /etc/inmesh/mesh.yaml}), as a user sees it in the
 * pod, never by the timestamped directory. The watch is on the mount directory: the {@code ..data} swap arrives as
 * events for {@code ..data}.
 */
public final class ConfigMapVolumeSource extends WatchedSource {
    /** The symlink to the current version. */
    public static final String DATA = "..data";
    private static final int ATTEMPTS = 5;

    private final Path mount;

    public ConfigMapVolumeSource(Path mount, WatchOptions options, LongSupplier nanoTime) {
        super(options, nanoTime);
        this.mount = Objects.requireNonNull(mount, "mount");
    }

    /** Whether {@code dir} looks like a ConfigMap (or Secret, projected) volume: it holds a {@code ..data} entry. */
    public static boolean isVolume(Path dir) {
        return Files.isDirectory(dir) && Files.exists(dir.resolve(DATA), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public String description() {
        return "ConfigMap volume " + mount;
    }

    @Override
    protected Path path() {
        return mount;
    }

    /**
     * Reads the version {@code ..data} points to, then checks that {@code ..data} still points to it: kubelet never
     * changes a published version and deletes it only after the swap, so an unchanged {@code ..data} proves the read
     * saw that version whole. Otherwise (kubelet may have been deleting it under the read) the read starts over.
     */
    @Override
    public List<ConfigFile> read() throws IOException {
        Path data = mount.resolve(DATA);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path version = currentVersion(data);
            List<ConfigFile> out = new ArrayList<>();
            try {
                for (Path f : ConfigFiles.listDirectory(version)) {
                    out.add(ConfigFiles.readFile(f, mount.resolve(version.relativize(f).toString()).toString()));
                }
            } catch (NoSuchFileException e) {
                if (version.equals(currentVersionOrNull(data))) {
                    throw e; // not kubelet's swap: the volume itself is going away
                }
                continue;
            }
            if (version.equals(currentVersionOrNull(data))) {
                return out;
            }
        }
        throw new IOException(description() + ": ..data changed during each of " + ATTEMPTS
                + " attempts to read it; the next change notification reads again");
    }

    private Path currentVersion(Path data) throws IOException {
        try {
            return data.toRealPath();
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(mount)) {
                throw new NoSuchFileException(mount.toString(), null, "ConfigMap volume not found");
            }
            throw new NoSuchFileException(data.toString(), null,
                    "..data is missing or dangling: not a ConfigMap volume, or kubelet has not written it yet");
        }
    }

    private static Path currentVersionOrNull(Path data) {
        try {
            return data.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected void registerAll(Registrar registrar) {
        registrar.register(mount);
    }

    @Override
    protected boolean isChange(Registrar registrar, Path dir, WatchEvent.Kind<?> kind, Path child) {
        String name = child.toString();
        // ..data: the swap (a rename: delete + create). A key's symlink coming or going follows a swap: harmless.
        return name.equals(DATA) || ConfigFiles.isConfigFileName(name);
    }
}

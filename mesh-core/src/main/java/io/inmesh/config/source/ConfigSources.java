package io.inmesh.config.source;

import io.inmesh.config.source.internal.ConfigMapVolumeSource;
import io.inmesh.config.source.internal.DirectorySource;
import io.inmesh.config.source.internal.FileSource;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Creates {@link ConfigSource}s. Each takes optional {@link WatchOptions} (default: 25 ms quiet period, 5 s
 * polling, file-system events on).
 *
 * <table>
 *   <caption>Sources</caption>
 *   <tr><th>source</th><th>reads</th><th>file names</th><th>consistency of one read</th></tr>
 *   <tr><td>{@link #file(Path)}</td><td>the file, whatever its name</td><td>the path as given</td>
 *       <td>the file read whole</td></tr>
 *   <tr><td>{@link #directory(Path)}</td><td>{@code *.yaml}, {@code *.yml} recursively; hidden entries skipped;
 *       symbolic links followed</td><td>{@code dir/sub/name.yaml}, under the directory as given</td>
 *       <td>each file read whole; not a snapshot across files</td></tr>
 *   <tr><td>{@link #configMapVolume(Path)}</td><td>the keys ending in {@code .yaml}/{@code .yml}, through
 *       {@code ..data}</td><td>the mount path plus the key, {@code /etc/inmesh/mesh.yaml}: the path a user
 *       sees in the pod, never the timestamped directory</td><td>all keys from one ConfigMap version</td></tr>
 * </table>
 *
 * <p>The file and directory naming match {@link ConfigFiles#read(java.util.List)}, and the ConfigMap naming matches
 * what {@link #directory(Path)} would produce for the same mount, so switching source kind keeps names (and content
 * hashes) the same.
 */
public final class ConfigSources {
    private ConfigSources() {
    }

    /** One file. Its parent directory is watched (for the file's name and for a ConfigMap's {@code ..data}). */
    public static ConfigSource file(Path file) {
        return file(file, WatchOptions.defaults());
    }

    public static ConfigSource file(Path file, WatchOptions options) {
        return new FileSource(file, options, System::nanoTime);
    }

    /** A directory tree of YAML files, every non-hidden directory watched (new ones too). */
    public static ConfigSource directory(Path dir) {
        return directory(dir, WatchOptions.defaults());
    }

    public static ConfigSource directory(Path dir, WatchOptions options) {
        return new DirectorySource(dir, options, System::nanoTime);
    }

    /**
     * A Kubernetes ConfigMap mounted as a volume (without {@code subPath}: a {@code subPath} mount is a plain file
     * that kubelet never updates). Reads go through {@code ..data}, so all keys come from one version.
     */
    public static ConfigSource configMapVolume(Path mountDir) {
        return configMapVolume(mountDir, WatchOptions.defaults());
    }

    public static ConfigSource configMapVolume(Path mountDir, WatchOptions options) {
        return new ConfigMapVolumeSource(mountDir, options, System::nanoTime);
    }

    /**
     * Picks the source for what is at {@code path} now: a directory holding a {@code ..data} entry is a ConfigMap
     * volume, another directory a directory source, anything else a file.
     *
     * @throws NoSuchFileException when nothing is at {@code path}: the kind cannot be told
     */
    public static ConfigSource detect(Path path) throws NoSuchFileException {
        return detect(path, WatchOptions.defaults());
    }

    public static ConfigSource detect(Path path, WatchOptions options) throws NoSuchFileException {
        if (ConfigMapVolumeSource.isVolume(path)) {
            return configMapVolume(path, options);
        }
        if (Files.isDirectory(path)) {
            return directory(path, options);
        }
        if (Files.exists(path)) {
            return file(path, options);
        }
        throw new NoSuchFileException(path.toString(), null,
                "config path not found (expected a file, a directory or a mounted ConfigMap)");
    }
}

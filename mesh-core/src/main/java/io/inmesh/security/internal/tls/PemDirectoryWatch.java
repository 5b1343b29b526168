package io.inmesh.security.internal.tls;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigFiles;
import io.inmesh.config.source.WatchOptions;
import io.inmesh.config.source.internal.ConfigMapVolumeSource;
import io.inmesh.config.source.internal.Registrar;
import io.inmesh.config.source.internal.WatchedSource;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The PEM files of one directory, watched with the config plane's machinery ({@link WatchedSource}: file-system events,
 * debouncing, a polling fallback). Reads the named files only, each whole and settled
 * ({@link ConfigFiles#readSettled}).
 *
 * <p>When the directory is a Kubernetes volume (a Secret, a projected volume, the cert-manager CSI driver: they all
 * use kubelet's atomic writer), the files are read from the one version {@code ..data} points to, and the read starts
 * over when {@code ..data} moved meanwhile, as the ConfigMap volume source does; so a key and a certificate from two
 * versions are never paired. Otherwise each file is read as it is: writers that replace files one by one may be seen
 * half way, which the certificate check then refuses until the next change settles.
 */
final class PemDirectoryWatch extends WatchedSource {
    private static final int ATTEMPTS = 5;

    private final Path dir;
    private final List<String> names;

    PemDirectoryWatch(Path dir, List<String> names, WatchOptions options) {
        super(options, System::nanoTime);
        this.dir = Objects.requireNonNull(dir, "dir");
        this.names = List.copyOf(names);
    }

    @Override
    public String description() {
        return "PEM files " + dir;
    }

    @Override
    protected Path path() {
        return dir;
    }

    /** The files, in the order of the names given; each named by its path in the directory as given. */
    @Override
    public List<ConfigFile> read() throws IOException {
        if (!ConfigMapVolumeSource.isVolume(dir)) {
            return readFrom(dir);
        }
        Path data = dir.resolve(ConfigMapVolumeSource.DATA);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path version = realPathOrNull(data);
            if (version == null) {
                if (attempt == ATTEMPTS) {
                    throw new NoSuchFileException(data.toString(), null, "..data is dangling");
                }
                continue; // between kubelet's steps
            }
            List<ConfigFile> files;
            try {
                files = readFrom(version);
            } catch (NoSuchFileException e) {
                if (version.equals(realPathOrNull(data))) {
                    throw e; // a key missing from the volume itself, not a swap under the read
                }
                continue;
            }
            if (version.equals(realPathOrNull(data))) {
                return files;
            }
        }
        throw new IOException(description() + ": ..data changed during each of " + ATTEMPTS
                + " attempts to read it; the next change notification reads again");
    }

    private List<ConfigFile> readFrom(Path base) throws IOException {
        List<ConfigFile> out = new ArrayList<>();
        for (String name : names) {
            out.add(ConfigFiles.readSettled(base.resolve(name), dir.resolve(name).toString()));
        }
        return out;
    }

    private static Path realPathOrNull(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected void registerAll(Registrar registrar) {
        registrar.register(dir);
    }

    @Override
    protected boolean isChange(Registrar registrar, Path parent, WatchEvent.Kind<?> kind, Path child) {
        String name = child.toString();
        return name.equals(ConfigMapVolumeSource.DATA) || names.contains(name);
    }
}

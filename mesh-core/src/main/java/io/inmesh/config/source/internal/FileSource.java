package io.inmesh.config.source.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigFiles;
import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One file, whatever its name, named by its path as given. Watches the parent directory for events on the file's
 * name, and on {@code ..data} (the file may be a key of a mounted ConfigMap, whose updates swap {@code ..data}).
 */
public final class FileSource extends WatchedSource {
    private final Path file;

    public FileSource(Path file, WatchOptions options, LongSupplier nanoTime) {
        super(options, nanoTime);
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public String description() {
        return "file " + file;
    }

    @Override
    protected Path path() {
        return file;
    }

    @Override
    public List<ConfigFile> read() throws IOException {
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null,
                    "is a directory, expected a file (read a directory with ConfigSources.directory)");
        }
        return List.of(ConfigFiles.readSettled(file, file.toString()));
    }

    @Override
    protected void registerAll(Registrar registrar) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            registrar.register(parent);
        }
    }

    @Override
    protected boolean isChange(Registrar registrar, Path dir, WatchEvent.Kind<?> kind, Path child) {
        String name = child.toString();
        return name.equals(file.getFileName().toString()) || name.equals(ConfigMapVolumeSource.DATA);
    }
}

package io.inmesh.config.source.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigFiles;
import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A directory tree: {@code *.yaml} and {@code *.yml} files, recursively, hidden entries skipped, symbolic links
 * followed (see {@link ConfigFiles#listDirectory(Path)}); each file named by its path under the directory as given.
 * Watches every non-hidden directory of the tree, registering new ones as they appear.
 */
public final class DirectorySource extends WatchedSource {
    private static final int ATTEMPTS = 3;

    private final Path dir;

    public DirectorySource(Path dir, WatchOptions options, LongSupplier nanoTime) {
        super(options, nanoTime);
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    @Override
    public String description() {
        return "directory " + dir;
    }

    @Override
    protected Path path() {
        return dir;
    }

    /**
     * Not a snapshot across files: each file is read whole, and a file deleted between listing and reading makes the
     * read start over (a few times) while the directory still exists.
     */
    @Override
    public List<ConfigFile> read() throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(dir)) {
                throw new NoSuchFileException(dir.toString(), null, "config directory not found");
            }
            if (!Files.isDirectory(dir)) {
                throw new NotDirectoryException(dir.toString());
            }
            try {
                List<ConfigFile> out = new ArrayList<>();
                for (Path f : ConfigFiles.listDirectory(dir)) {
                    out.add(ConfigFiles.readSettled(f, f.toString()));
                }
                return out;
            } catch (NoSuchFileException e) {
                if (attempt >= ATTEMPTS || !Files.isDirectory(dir)) {
                    throw e;
                }
            }
        }
    }

    @Override
    protected void registerAll(Registrar registrar) {
        registerTree(registrar, dir);
    }

    private void registerTree(Registrar registrar, Path top) {
        try {
            Files.walkFileTree(top, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                            if (!d.equals(dir) && d.getFileName().toString().startsWith(".")) {
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            registrar.register(d);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path f, IOException e) {
                            return FileVisitResult.CONTINUE; // gone meanwhile, unreadable, a link loop
                        }
                    });
        } catch (IOException e) {
            // the tree is missing or unreadable: read() says so, and the next poll registers again
        }
    }

    @Override
    protected boolean isChange(Registrar registrar, Path parent, WatchEvent.Kind<?> kind, Path child) {
        String name = child.toString();
        if (name.equals(ConfigMapVolumeSource.DATA)) {
            return true; // a ConfigMap volume read as a plain directory: its update swaps ..data
        }
        if (name.startsWith(".")) {
            return false; // editor swap files, hidden directories
        }
        Path p = parent.resolve(child);
        if (kind == ENTRY_CREATE && Files.isDirectory(p)) {
            registerTree(registrar, p); // files may already be in it: the change covers them
            return true;
        }
        if (kind == ENTRY_DELETE && registrar.isWatched(p)) {
            return true;
        }
        return ConfigFiles.isConfigFileName(name);
    }
}

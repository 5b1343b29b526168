package io.inmesh.config.source;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.internal.yaml.YamlTreeReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Reads configuration files and directories from disk. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /** True for the names a directory source reads: {@code *.yaml} and {@code *.yml}, not hidden. */
    public static boolean isConfigFileName(String fileName) {
        return !fileName.startsWith(".") && (fileName.endsWith(".yaml") || fileName.endsWith(".yml"));
    }

    /**
     * Reads each path: a file as it is (whatever its name), a directory recursively ({@code *.yaml}, {@code *.yml},
     * hidden entries such as kubelet's {@code ..data} skipped, symbolic links followed), in sorted order.
     *
     * @throws NoSuchFileException when a path does not exist
     * @throws IOException         when a file cannot be read
     */
    public static List<ConfigFile> read(List<Path> paths) throws IOException {
        List<ConfigFile> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                for (Path f : listDirectory(p)) {
                    out.add(readFile(f, f.toString()));
                }
            } else {
                out.add(readFile(p, p.toString()));
            }
        }
        return out;
    }

    /**
     * The config files under {@code dir}, recursively, sorted by path. Hidden entries (kubelet's {@code ..data},
     * {@code .git}) are not entered; symbolic links are followed, and a link that loops back is skipped.
     *
     * @throws NoSuchFileException when {@code dir}, or an entry being walked, disappears
     */
    public static List<Path> listDirectory(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        return !d.equals(dir) && d.getFileName().toString().startsWith(".")
                                ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && isConfigFileName(f.getFileName().toString())) {
                            out.add(f);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                        if (e instanceof FileSystemLoopException) {
                            return FileVisitResult.CONTINUE; // a link back up the tree: its files are read already
                        }
                        throw e;
                    }
                });
        out.sort(null);
        return out;
    }

    /**
     * Reads one file for a watched source, making sure it was not being written meanwhile: its size and
     * modification time must be the same before and after the read, and it must not be empty (writers that truncate
     * first, such as shell redirection or an editor saving in place, leave an empty file for a moment; an empty file
     * would otherwise replace its part of the configuration with nothing).
     *
     * @throws IOException when the file is empty, or kept changing over three attempts
     */
    public static ConfigFile readSettled(Path file, String name) throws IOException {
        for (int attempt = 1; attempt <= 3; attempt++) {
            BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
            ConfigFile read = readFile(file, name);
            BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class);
            boolean settled = before.size() == after.size()
                    && before.lastModifiedTime().equals(after.lastModifiedTime())
                    && (read.content().length == after.size() || after.size() > YamlTreeReader.MAX_BYTES);
            if (settled) {
                if (read.content().length == 0) {
                    throw new FileSystemException(file.toString(), null, "file is empty (being written?); the last"
                            + " good configuration keeps serving. Delete a config file rather than empty it");
                }
                return read;
            }
        }
        throw new FileSystemException(file.toString(), null, "file kept changing while being read");
    }

    /**
     * Reads one file, refusing more than {@link YamlTreeReader#MAX_BYTES} bytes (the reader reports the size as a
     * diagnostic: the content returned is then cut one byte past the limit).
     */
    public static ConfigFile readFile(Path file, String name) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file or directory");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(YamlTreeReader.MAX_BYTES + 1);
            return new ConfigFile(name, bytes);
        }
    }
}

package io.inmesh.config.source;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.internal.yaml.YamlTreeReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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
     * The config files under {@code dir}, recursively, sorted by path.
     *
     * @throws NoSuchFileException when {@code dir}, or an entry being walked, disappears (the walk's unchecked
     *                             wrapper is unwrapped, so callers see the declared {@link IOException})
     */
    public static List<Path> listDirectory(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(f -> {
                        Path rel = dir.relativize(f);
                        for (Path part : rel) {
                            if (part.toString().startsWith(".")) {
                                return false; // ..data, ..2024_01_01..., .hidden
                            }
                        }
                        return Files.isRegularFile(f) && isConfigFileName(f.getFileName().toString());
                    })
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
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

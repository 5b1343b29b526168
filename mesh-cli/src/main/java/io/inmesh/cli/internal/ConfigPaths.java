package io.inmesh.cli.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the PATH arguments of a command as one set of configuration files: a file as it is, a directory
 * recursively ({@code *.yaml}, {@code *.yml}, hidden entries skipped), each file once however often it is named.
 */
final class ConfigPaths {

    /** A PATH that cannot be read: reported as {@code mesh: cannot read PATH: REASON}, exit code 2. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        private final String path;
        private final String reason;

        Unreadable(String path, String reason) {
            super(path + ": " + reason, null, false, false);
            this.path = path;
            this.reason = reason;
        }

        /** Prints the one-line report on {@code err} and returns {@link ExitCode#USAGE}. */
        int report(PrintStream err) {
            err.println("mesh: cannot read " + Cli.printable(path) + ": " + reason);
            return ExitCode.USAGE;
        }
    }

    private ConfigPaths() {
    }

    /**
     * Reads {@code args} in order. A directory without config files gets a note on {@code err}, naming
     * {@code command}.
     */
    static List<ConfigFile> read(List<String> args, String command, PrintStream err) throws Unreadable {
        List<ConfigFile> files = new ArrayList<>();
        Set<Path> seen = new HashSet<>(); // `mesh validate dir dir/a.yaml` reads a.yaml once
        for (String arg : args) {
            Path path;
            try {
                path = Path.of(arg);
            } catch (InvalidPathException e) {
                throw new Unreadable(arg, "not a valid path (" + e.getReason() + ")");
            }
            List<ConfigFile> read;
            try {
                read = ConfigFiles.read(List.of(path));
            } catch (IOException e) {
                throw unreadable(arg, e);
            } catch (UncheckedIOException e) { // from walking a directory
                throw unreadable(arg, e.getCause());
            }
            if (read.isEmpty() && Files.isDirectory(path)) {
                err.println("mesh " + command + ": note: no *.yaml or *.yml files under " + Cli.printable(arg));
            }
            for (ConfigFile f : read) {
                if (seen.add(realPath(Path.of(f.name())))) {
                    files.add(f);
                }
            }
        }
        return files;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static Unreadable unreadable(String arg, Throwable e) {
        return new Unreadable(e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : arg,
                describe(e));
    }

    /** A short lower-case reason, in the words of the shell rather than of Java. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemLoopException) {
            return "symbolic link loop";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(Locale.ROOT);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : Text.escapeControls(m);
    }
}

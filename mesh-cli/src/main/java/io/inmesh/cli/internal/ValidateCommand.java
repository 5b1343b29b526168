package io.inmesh.cli.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigValidator;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.Severity;
import io.inmesh.config.ValidationReport;
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
import java.util.List;

/** {@code mesh validate}: reads the paths, validates them as one set, prints the diagnostics. */
final class ValidateCommand {

    private final PrintStream out;
    private final PrintStream err;

    ValidateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(ValidateOptions options) {
        List<ConfigFile> files = new ArrayList<>();
        java.util.Set<Path> seen = new java.util.HashSet<>(); // `mesh validate dir dir/a.yaml` reads a.yaml once
        for (String arg : options.paths()) {
            Path path;
            try {
                path = Path.of(arg);
            } catch (InvalidPathException e) {
                return ioProblem(arg, "not a valid path (" + e.getReason() + ")");
            }
            List<ConfigFile> read;
            try {
                read = ConfigFiles.read(List.of(path));
            } catch (IOException e) {
                return ioProblem(arg, e);
            } catch (UncheckedIOException e) { // from walking a directory
                return ioProblem(arg, e.getCause());
            }
            if (read.isEmpty() && Files.isDirectory(path)) {
                err.println("mesh validate: note: no *.yaml or *.yml files under " + Cli.printable(arg));
            }
            for (ConfigFile f : read) {
                if (seen.add(realPath(Path.of(f.name())))) {
                    files.add(f);
                }
            }
        }

        ValidationReport report = ConfigValidator.create().validate(files);
        if (options.json()) {
            out.println(JsonReport.toJson(report));
        } else {
            printHuman(report, files.size(), options.verbose());
        }
        return report.valid() ? ExitCode.OK : ExitCode.INVALID;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private void printHuman(ValidationReport report, int fileCount, boolean verbose) {
        long errors = 0;
        long warnings = 0;
        long infos = 0;
        for (Diagnostic d : report.diagnostics()) {
            switch (d.severity()) {
                case ERROR -> errors++;
                case WARNING -> warnings++;
                case INFO -> infos++;
            }
            if (d.severity() != Severity.INFO || verbose) {
                out.println(Text.escapeControls(d.format()));
            }
        }
        out.flush();
        StringBuilder summary = new StringBuilder()
                .append(Text.count(errors, "error", "errors")).append(", ")
                .append(Text.count(warnings, "warning", "warnings"));
        if (verbose) {
            summary.append(", ").append(Text.count(infos, "info", "infos"));
        }
        summary.append(" in ").append(Text.count(fileCount, "file", "files"));
        if (!verbose && infos > 0) {
            summary.append(" (").append(Text.count(infos, "info", "infos")).append(" not shown: use --verbose)");
        }
        err.println(summary);
    }

    private int ioProblem(String arg, Throwable e) {
        return ioProblem(e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : arg,
                describe(e));
    }

    private int ioProblem(String path, String reason) {
        err.println("mesh: cannot read " + Cli.printable(path) + ": " + reason);
        return ExitCode.USAGE;
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
            return f.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : Text.escapeControls(m);
    }
}

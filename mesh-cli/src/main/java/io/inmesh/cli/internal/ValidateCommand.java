package io.inmesh.cli.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigValidator;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.Severity;
import io.inmesh.config.ValidationReport;
import java.io.PrintStream;
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
        List<ConfigFile> files;
        try {
            files = ConfigPaths.read(options.paths(), "validate", err);
        } catch (ConfigPaths.Unreadable e) {
            return e.report(err);
        }

        ValidationReport report = ConfigValidator.create().validate(files);
        if (options.json()) {
            out.println(JsonReport.toJson(report));
        } else {
            printHuman(out, err, report.diagnostics(), files.size(), options.verbose());
        }
        return report.valid() ? ExitCode.OK : ExitCode.INVALID;
    }

    /**
     * The human form of diagnostics: one line each on {@code out} (infos only when {@code verbose}), then the
     * summary line ("1 error, 0 warnings in 2 files") on {@code err}.
     */
    static void printHuman(PrintStream out, PrintStream err, List<Diagnostic> diagnostics, int fileCount,
                           boolean verbose) {
        long errors = 0;
        long warnings = 0;
        long infos = 0;
        for (Diagnostic d : diagnostics) {
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
}

package io.inmesh.cli.internal;

import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.Severity;
import io.inmesh.config.ValidationReport;
import java.io.PrintStream;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code mesh explain}: reads the configuration as {@code mesh validate} does, then shows the routing decision for
 * one request from one caller, with the traffic policy and endpoints of each destination.
 */
final class ExplainCommand {

    /**
     * ConfigHolder logs each applied or rejected version for long-running processes; here the command itself
     * reports the outcome, so those lines are held back (errors, which carry a stack trace, still show). Kept in a
     * field: the logging framework holds its loggers weakly, and a collected one would forget its level.
     */
    private static final Logger HOLDER_LOG = Logger.getLogger(ConfigHolder.class.getName());

    private final PrintStream out;
    private final PrintStream err;

    ExplainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(ExplainOptions options) {
        List<ConfigFile> files;
        try {
            files = ConfigPaths.read(options.configs(), "explain", err);
        } catch (ConfigPaths.Unreadable e) {
            return e.report(err);
        }

        ConfigUpdate update = load(files);
        if (update instanceof ConfigUpdate.Rejected rejected) {
            List<Diagnostic> diagnostics = rejected.rejection().diagnostics();
            if (options.json()) {
                out.println(JsonReport.toJson(new ValidationReport(List.of(), diagnostics)));
            } else {
                ValidateCommand.printHuman(out, err, diagnostics, files.size(), false);
            }
            err.println("mesh explain: the configuration has errors; nothing to explain until they are fixed");
            return ExitCode.INVALID;
        }
        if (update instanceof ConfigUpdate.Applied applied) {
            // Warnings matter here: a field InMesh ignores may be why a request is not routed as expected.
            for (Diagnostic d : applied.diagnostics()) {
                if (d.severity() == Severity.WARNING) {
                    err.println(Text.escapeControls(d.format()));
                }
            }
        }

        Workload caller = Workload.of(options.namespace(), options.labels());
        Explanation explanation = Explanation.of(update.current(), caller, options.request(), options.url());
        if (options.json()) {
            out.println(ExplainJson.toJson(explanation));
        } else {
            out.print(ExplainText.toText(explanation));
        }
        return ExitCode.OK;
    }

    private static ConfigUpdate load(List<ConfigFile> files) {
        Level before = HOLDER_LOG.getLevel();
        HOLDER_LOG.setLevel(Level.SEVERE);
        try {
            return ConfigHolder.create(ConfigOptions.DEFAULTS).update(files);
        } finally {
            HOLDER_LOG.setLevel(before);
        }
    }
}

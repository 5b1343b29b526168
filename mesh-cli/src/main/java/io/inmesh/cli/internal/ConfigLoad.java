package io.inmesh.cli.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.Severity;
import io.inmesh.config.ValidationReport;
import java.io.PrintStream;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Loads the configuration for a command that decides one request ({@code explain}, {@code authorize}): reads the
 * paths as {@code mesh validate} does; on errors prints the diagnostics (as text, or as {@code mesh validate --json}
 * does) and gives the exit code; on success prints the warnings on stderr, since a field InMesh ignores may explain
 * a decision.
 */
final class ConfigLoad {
    /**
     * ConfigHolder's own log lines are held back while loading: the command reports the outcome itself. A static
     * field: the logging framework holds its loggers weakly, and a collected one would forget its level.
     */
    private static final Logger HOLDER_LOG = Logger.getLogger(ConfigHolder.class.getName());

    /** The snapshot, or the exit code to return. */
    record Result(MeshSnapshot snapshot, int exitCode) {
    }

    private ConfigLoad() {
    }

    /**
     * @param what what the command cannot do with an invalid configuration, for the last line on stderr (such as
     *             {@code nothing to explain})
     */
    static Result load(List<String> configs, String command, boolean json, String what, PrintStream out,
                       PrintStream err) {
        List<ConfigFile> files;
        try {
            files = ConfigPaths.read(configs, command, err);
        } catch (ConfigPaths.Unreadable e) {
            return new Result(null, e.report(err));
        }
        ConfigUpdate update;
        Level before = HOLDER_LOG.getLevel();
        HOLDER_LOG.setLevel(Level.SEVERE);
        try {
            update = ConfigHolder.create(ConfigOptions.DEFAULTS).update(files);
        } finally {
            HOLDER_LOG.setLevel(before);
        }
        if (update instanceof ConfigUpdate.Rejected) {
            List<Diagnostic> diagnostics = ((ConfigUpdate.Rejected) update).rejection().diagnostics();
            if (json) {
                out.println(JsonReport.toJson(new ValidationReport(List.of(), diagnostics)));
            } else {
                ValidateCommand.printHuman(out, err, diagnostics, files.size(), false);
            }
            err.println("mesh " + command + ": the configuration has errors; " + what + " until they are fixed");
            return new Result(null, ExitCode.INVALID);
        }
        if (update instanceof ConfigUpdate.Applied) {
            for (Diagnostic d : ((ConfigUpdate.Applied) update).diagnostics()) {
                if (d.severity() == Severity.WARNING) {
                    err.println(Text.escapeControls(d.format()));
                }
            }
        }
        return new Result(update.current(), ExitCode.OK);
    }
}

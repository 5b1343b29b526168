package io.inmesh.cli.internal;

import io.inmesh.Workload;
import java.io.PrintStream;

/**
 * {@code mesh explain}: reads the configuration as {@code mesh validate} does, then shows the routing decision for
 * one request from one caller, with the traffic policy and endpoints of each destination.
 */
final class ExplainCommand {


    private final PrintStream out;
    private final PrintStream err;

    ExplainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(ExplainOptions options) {
        ConfigLoad.Result loaded = ConfigLoad.load(options.configs(), "explain", options.json(), "nothing to explain",
                out, err);
        if (loaded.snapshot() == null) {
            return loaded.exitCode();
        }
        Workload caller = Workload.of(options.namespace(), options.labels());
        Explanation explanation = Explanation.of(loaded.snapshot(), caller, options.request(), options.url());
        if (options.json()) {
            out.println(ExplainJson.toJson(explanation));
        } else {
            out.print(ExplainText.toText(explanation));
        }
        return ExitCode.OK;
    }
}

package io.inmesh.cli.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of {@code mesh validate}.
 *
 * @param help    {@code --help} was given: show the usage and do nothing else
 * @param json    print one JSON object instead of lines
 * @param verbose also list info diagnostics in human output
 * @param paths   the files and directories to read, as given
 */
record ValidateOptions(boolean help, boolean json, boolean verbose, List<String> paths) {

    ValidateOptions {
        paths = List.copyOf(paths);
    }

    /** Parses the arguments after {@code validate}. Options and paths may be mixed until {@code --}. */
    static ValidateOptions parse(List<String> args) throws UsageException {
        boolean json = false;
        boolean verbose = false;
        List<String> paths = new ArrayList<>();
        boolean optionsEnded = false;
        for (String a : args) {
            if (optionsEnded || a.equals("-") || !a.startsWith("-")) {
                if (a.isEmpty()) {
                    throw new UsageException("validate", "an empty path was given");
                }
                paths.add(a);
                continue;
            }
            switch (a) {
                case "--" -> optionsEnded = true;
                case "--json" -> json = true;
                case "-v", "--verbose" -> verbose = true;
                case "-h", "--help" -> {
                    return new ValidateOptions(true, json, verbose, paths);
                }
                default -> throw new UsageException("validate", "unknown option '" + Cli.printable(a) + "'"
                        + (a.startsWith("--json") || a.startsWith("--verbose")
                        ? " (options take no value)" : ""));
            }
        }
        if (paths.isEmpty()) {
            throw new UsageException("validate", "no PATH given: name at least one file or directory");
        }
        return new ValidateOptions(false, json, verbose, paths);
    }
}

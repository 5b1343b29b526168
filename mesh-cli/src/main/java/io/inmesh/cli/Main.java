package io.inmesh.cli;

import io.inmesh.cli.internal.Cli;

/**
 * The {@code mesh} command. Run {@code mesh --help} for the commands, options and exit codes.
 *
 * <p>Exit codes: 0 success, 1 the configuration has errors (or could not be read as YAML), 2 a usage or I/O
 * problem (bad arguments, a path that cannot be read), 3 an internal error: a bug in InMesh, reported with its
 * stack trace.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Cli.standard().run(args));
    }
}

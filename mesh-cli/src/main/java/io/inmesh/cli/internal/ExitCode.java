package io.inmesh.cli.internal;

/** The exit codes of {@code mesh}, as documented in its usage text. */
public final class ExitCode {
    /** Success: the configuration is valid (it may have warnings), or help was asked for. */
    public static final int OK = 0;
    /** The configuration has at least one error diagnostic. */
    public static final int INVALID = 1;
    /** A usage problem (no paths, unknown option or command) or an I/O problem (missing or unreadable path). */
    public static final int USAGE = 2;
    /** An internal error: a bug in InMesh. The stack trace is printed on stderr. */
    public static final int INTERNAL = 3;

    private ExitCode() {
    }
}

package io.inmesh.cli.internal;

/** A mistake in the command line: reported in one line with a hint, exit code 2, never with a stack trace. */
final class UsageException extends Exception {

    private final String command;

    UsageException(String command, String message) {
        super(message, null, false, false);
        this.command = command;
    }

    /** The command whose usage applies ({@code "validate"}), or null for the top level. */
    String command() {
        return command;
    }
}

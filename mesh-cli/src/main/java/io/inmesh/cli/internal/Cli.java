package io.inmesh.cli.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Dispatches {@code mesh} to its commands and turns every outcome into an exit code (see {@link ExitCode}). User
 * mistakes become one line on stderr; only a bug (an unexpected exception) prints a stack trace.
 */
public final class Cli {

    private final PrintStream out;
    private final PrintStream err;

    public Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A Cli writing UTF-8 to the process's stdout and stderr, whatever the platform's default charset. */
    public static Cli standard() {
        return new Cli(new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    }

    /** Runs {@code mesh ARGS} and returns the exit code. Never throws. */
    public int run(String... args) {
        try {
            return dispatch(Arrays.asList(args));
        } catch (UsageException e) {
            err.println("mesh" + (e.command() == null ? "" : " " + e.command()) + ": " + e.getMessage());
            err.println("Run 'mesh " + (e.command() == null ? "" : e.command() + " ") + "--help' for usage.");
            return ExitCode.USAGE;
        } catch (Throwable t) { // a bug: say so, and give the stack trace to report
            try {
                out.flush();
                err.println("mesh: internal error (this is a bug in InMesh; please report it with the trace"
                        + " below): " + t);
                t.printStackTrace(err);
            } catch (Throwable ignored) {
                // nothing more can be done; the exit code still tells
            }
            return ExitCode.INTERNAL;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int dispatch(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            err.print(Usage.MAIN);
            return ExitCode.USAGE;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        switch (command) {
            case "-h", "--help", "help" -> {
                String topic = command.equals("help") && rest.size() == 1 ? rest.get(0) : "";
                switch (topic) {
                    case "validate" -> out.print(Usage.VALIDATE);
                    case "explain" -> out.print(Usage.EXPLAIN);
                    case "authorize" -> out.print(Usage.AUTHORIZE);
                    case "ca" -> out.print(Usage.CA);
                    default -> out.print(Usage.MAIN);
                }
                return ExitCode.OK;
            }
            case "validate" -> {
                ValidateOptions options = ValidateOptions.parse(rest);
                if (options.help()) {
                    out.print(Usage.VALIDATE);
                    return ExitCode.OK;
                }
                return new ValidateCommand(out, err).run(options);
            }
            case "explain" -> {
                ExplainOptions options = ExplainOptions.parse(rest);
                if (options.help()) {
                    out.print(Usage.EXPLAIN);
                    return ExitCode.OK;
                }
                return new ExplainCommand(out, err).run(options);
            }
            case "authorize" -> {
                AuthorizeOptions options = AuthorizeOptions.parse(rest);
                if (options.help()) {
                    out.print(Usage.AUTHORIZE);
                    return ExitCode.OK;
                }
                return new AuthorizeCommand(out, err).run(options);
            }
            case "ca" -> {
                CaOptions options = CaOptions.parse(rest);
                if (options.help()) {
                    out.print(Usage.CA);
                    return ExitCode.OK;
                }
                return new CaCommand(out, err, Clock.systemUTC()).run(options);
            }
            default -> {
                if (command.startsWith("-")) {
                    throw new UsageException(null, "unknown option '" + printable(command)
                            + "' (options go after the command, as in 'mesh validate --json PATH')");
                }
                throw new UsageException(null, "unknown command '" + printable(command) + "'");
            }
        }
    }

    /** {@code s} cut to a readable length with control characters escaped, for echoing user input safely. */
    static String printable(String s) {
        int max = 80;
        String cut = s.length() <= max ? s : s.substring(0, max - 3);
        return Text.escapeControls(cut) + (s.length() <= max ? "" : "...");
    }
}

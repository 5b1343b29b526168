package io.inmesh.config;

import java.util.List;

/**
 * Thrown at start-up when the configuration was never valid: there is no last good snapshot to fall back on.
 * The message lists the errors, one per line, as {@code FILE:LINE:COL: error: ...}.
 */
public final class InvalidConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final int SHOWN = 20;

    private final transient List<Diagnostic> diagnostics;

    public InvalidConfigException(String source, List<Diagnostic> diagnostics) {
        super(message(source, diagnostics), null, false, false);
        this.diagnostics = List.copyOf(diagnostics);
    }

    /** Every diagnostic of the refused configuration, errors first. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private static String message(String source, List<Diagnostic> diagnostics) {
        List<Diagnostic> errors = diagnostics.stream().filter(Diagnostic::isError).toList();
        StringBuilder b = new StringBuilder("invalid mesh configuration in ").append(source).append(": ")
                .append(errors.size()).append(errors.size() == 1 ? " error" : " errors");
        errors.stream().limit(SHOWN).forEach(d -> b.append(System.lineSeparator()).append(d.format()));
        if (errors.size() > SHOWN) {
            b.append(System.lineSeparator()).append("... and ").append(errors.size() - SHOWN).append(" more");
        }
        return b.toString();
    }
}

package io.inmesh.config;

import java.time.Instant;
import java.util.List;

/**
 * An update that was refused because it had errors; the previous snapshot kept serving.
 *
 * @param contentHash SHA-256 (hex) of the refused files' names and bytes
 * @param time        when it was refused
 * @param diagnostics everything found, errors first
 */
public record ConfigRejection(String contentHash, Instant time, List<Diagnostic> diagnostics) {
    public ConfigRejection {
        diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }
}

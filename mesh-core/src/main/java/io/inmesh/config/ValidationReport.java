package io.inmesh.config;

import java.util.List;

/**
 * The outcome of reading and validating a set of files: the resources read and every diagnostic, in file order.
 * The set is valid when no diagnostic is an error.
 */
public record ValidationReport(List<MeshResource> resources, List<Diagnostic> diagnostics) {

    public ValidationReport {
        resources = List.copyOf(resources);
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean valid() {
        return diagnostics.stream().noneMatch(Diagnostic::isError);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    public List<Diagnostic> warnings() {
        return diagnostics.stream().filter(d -> d.severity() == Severity.WARNING).toList();
    }
}

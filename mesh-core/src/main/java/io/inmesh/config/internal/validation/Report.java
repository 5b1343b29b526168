package io.inmesh.config.internal.validation;

import io.inmesh.config.Diagnostic;
import io.inmesh.config.Severity;
import io.inmesh.config.internal.LoadedResource;
import io.inmesh.config.internal.yaml.YamlNode;
import java.util.List;

/** Collects the diagnostics of one resource, placing each at the node of its field path. */
final class Report {
    private final LoadedResource resource;
    private final List<Diagnostic> out;

    Report(LoadedResource resource, List<Diagnostic> out) {
        this.resource = resource;
        this.out = out;
    }

    LoadedResource resource() {
        return resource;
    }

    void error(String path, String message) {
        add(Severity.ERROR, path, message);
    }

    void warning(String path, String message) {
        add(Severity.WARNING, path, message);
    }

    void add(Severity severity, String path, String message) {
        if (resource.overlapsBindError(path)) {
            return;
        }
        YamlNode at = resource.nodeFor(path);
        var meta = resource.resource().metadata();
        out.add(new Diagnostic(severity, resource.file(), at.line(), at.column(), resource.resource().kind(),
                meta.namespace(), meta.name(), path, message));
    }

    /** The scalar text written at exactly {@code path}, or null. */
    String written(String path) {
        return resource.writtenAt(path);
    }

    /** Quotes a value for a message. */
    static String q(Object value) {
        return value instanceof String s ? "\"" + YamlNode.Diag.abbreviate(s) + "\"" : String.valueOf(value);
    }
}

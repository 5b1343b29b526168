package io.inmesh.config;

import java.util.Objects;

/**
 * One problem found in configuration, with where it is and what was expected.
 *
 * @param severity  error (the configuration is rejected), warning or info
 * @param file      the file it came from, as given to the loader
 * @param line      1-based line, 0 when unknown
 * @param column    1-based column, 0 when unknown
 * @param kind      the resource kind, or null for a problem before a resource could be read
 * @param namespace the resource namespace, or null
 * @param name      the resource name, or null
 * @param field     the field path such as {@code spec.http[0].route[1].weight}, or null
 * @param message   what is wrong: the offending value and what was expected
 */
public record Diagnostic(Severity severity, String file, int line, int column, String kind, String namespace,
                         String name, String field, String message) {

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code FILE:LINE:COL: error|warning|info: KIND NS/NAME: FIELD: MESSAGE}, leaving out what is unknown. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append(file == null ? "<input>" : file).append(':').append(line).append(':').append(column).append(": ")
                .append(severity.label()).append(": ");
        if (kind != null) {
            b.append(kind).append(' ').append(namespace == null ? "" : namespace + "/")
                    .append(name == null ? "<unnamed>" : name).append(": ");
        }
        if (field != null && !field.isEmpty()) {
            b.append(field).append(": ");
        }
        return b.append(message).toString();
    }

    @Override
    public String toString() {
        return format();
    }
}

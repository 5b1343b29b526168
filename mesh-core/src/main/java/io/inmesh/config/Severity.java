package io.inmesh.config;

/** How serious a {@link Diagnostic} is. Only errors reject a configuration. */
public enum Severity {
    ERROR, WARNING, INFO;

    /** The lower-case word used in human output and JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

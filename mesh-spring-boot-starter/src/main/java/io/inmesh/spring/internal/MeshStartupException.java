package io.inmesh.spring.internal;

/**
 * The mesh cannot start because of something the user can fix (a setting, the configuration, a certificate): Spring
 * Boot reports it as a failure analysis with what is wrong and what to do, not as a stack trace.
 */
public final class MeshStartupException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String action;

    /**
     * @param description what is wrong, naming the setting, file or annotation
     * @param action      what to do about it
     * @param cause       the underlying failure, or null
     */
    public MeshStartupException(String description, String action, Throwable cause) {
        super(description, cause);
        this.action = action;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}

package io.inmesh.spring.internal.client;

import org.springframework.beans.FatalBeanException;

/**
 * A {@code @MeshClient} injection point that cannot be served: what is wrong and where ({@link #description()}),
 * and what to do ({@link #action()}). Start-up fails with it; {@link MeshClientFailureAnalyzer} reports it without a
 * stack trace.
 */
public final class MeshClientException extends FatalBeanException {
    private static final long serialVersionUID = 1L;

    private final String description;
    private final String action;

    MeshClientException(String description, String action) {
        super(description + ". " + action);
        this.description = description;
        this.action = action;
    }

    /** What is wrong, naming the injection point and the value. */
    public String description() {
        return description;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}

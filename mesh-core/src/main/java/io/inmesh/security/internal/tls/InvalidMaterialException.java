package io.inmesh.security.internal.tls;

import java.io.IOException;

/**
 * Key or certificate material that cannot be used, with a message naming what is wrong and where (the file or the
 * role of the material). A user mistake, not a bug: no stack trace is recorded.
 */
public final class InvalidMaterialException extends IOException {
    private static final long serialVersionUID = 1L;

    public InvalidMaterialException(String message) {
        super(message);
    }

    public InvalidMaterialException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

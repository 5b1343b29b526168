package io.inmesh.config.source.internal;

import java.nio.file.Path;

/** Lets a source say which directories its watch covers. Used only on the watch thread (or before it starts). */
public interface Registrar {
    /**
     * Watches {@code dir} for entries created, deleted and modified; registering a directory again is harmless.
     *
     * @return false when it could not be watched (missing, not a directory, events off); polling still covers it
     */
    boolean register(Path dir);

    /** Whether {@code dir} is a directory this watch registered (and has not seen go away). */
    boolean isWatched(Path dir);
}

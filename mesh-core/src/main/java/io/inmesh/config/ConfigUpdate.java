package io.inmesh.config;

import java.util.List;

/** What {@link ConfigHolder#update} did. */
public sealed interface ConfigUpdate {

    /** The snapshot serving after the update. */
    MeshSnapshot current();

    /** A new snapshot was swapped in. {@code diagnostics} holds its warnings and infos. */
    record Applied(MeshSnapshot current, MeshSnapshot previous, List<Diagnostic> diagnostics)
            implements ConfigUpdate {
    }

    /** The content equals the current snapshot's: nothing was swapped. */
    record Unchanged(MeshSnapshot current) implements ConfigUpdate {
    }

    /** The update had errors; the current snapshot keeps serving. */
    record Rejected(MeshSnapshot current, ConfigRejection rejection) implements ConfigUpdate {
    }
}

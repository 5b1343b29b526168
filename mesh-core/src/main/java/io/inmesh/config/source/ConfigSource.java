package io.inmesh.config.source;

import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Where mesh configuration comes from: a file, a directory, a mounted Kubernetes ConfigMap. Create one with
 * {@link ConfigSources}.
 *
 * <h2>Reading</h2>
 * {@link #read()} returns everything the source holds right now, or throws. It never returns an empty list for a
 * source that has gone away: a deleted file or directory makes it throw {@link NoSuchFileException}, so the caller
 * keeps its last good configuration (an empty list means the source exists and holds no config files, e.g. an empty
 * directory). Each file is read whole, but a file that a writer is still writing may be read half-written: sources
 * do not parse, so rejecting such content (and keeping the last good configuration until the next change arrives)
 * is the caller's job. How consistent a read is across files depends on the source; see {@link ConfigSources}.
 *
 * <h2>Watching</h2>
 * {@link #watch(Runnable)} starts watching: file-system events (a {@link java.nio.file.WatchService}) and, because
 * events can be missed (network and overlay mounts, a watched directory replaced, an event queue overflow), a slow
 * poll that fingerprints the content. After changes settle (a quiet period, see {@link WatchOptions}),
 * {@code onChange} runs once; the caller then calls {@link #read()}. Callbacks are hints, not deltas: one may arrive
 * when nothing the caller cares about changed, so the caller should compare content before swapping.
 *
 * <h2>Threads</h2>
 * {@code onChange} runs on one background daemon thread per source, never concurrently with itself, and may block
 * (events received meanwhile are coalesced into the next call). An exception it throws is logged and watching goes
 * on. {@link #read()} may be called from any thread, including from {@code onChange}. {@link #close()} stops
 * watching: once it returns, {@code onChange} is not running and will not be called again (when called from
 * {@code onChange} itself, the current call finishes and no further call is made).
 */
public interface ConfigSource extends AutoCloseable {

    /** For log lines and diagnostics, e.g. {@code directory /etc/inmesh}. */
    String description();

    /**
     * Reads every config file the source currently holds, sorted by name.
     *
     * @throws NoSuchFileException when the file, directory or volume does not exist (any more)
     * @throws IOException         when it cannot be read
     */
    List<ConfigFile> read() throws IOException;

    /**
     * Starts watching; {@code onChange} is called (debounced) after changes settle. A source whose path does not
     * exist yet can be watched: its appearance is a change.
     *
     * @throws IllegalStateException when already watching or closed
     */
    void watch(Runnable onChange);

    /** Stops watching and releases the watch thread and the {@code WatchService}. Idempotent. */
    @Override
    void close();
}

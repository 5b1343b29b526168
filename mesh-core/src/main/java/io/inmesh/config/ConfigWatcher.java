package io.inmesh.config;

import io.inmesh.config.source.ConfigSource;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps a {@link ConfigHolder} in step with a {@link ConfigSource}: loads it once at start-up, failing start-up
 * when it was never valid, then reloads it on every change the source reports. A change that cannot be read (the
 * file deleted, the volume mid-swap) or does not validate keeps the last good snapshot serving.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

    private final ConfigSource source;
    private final ConfigHolder holder;
    private volatile IOException lastReadError;
    private String lastLoggedReadError;

    private ConfigWatcher(ConfigSource source, ConfigHolder holder) {
        this.source = source;
        this.holder = holder;
    }

    /**
     * Loads {@code source} into {@code holder} and starts watching it. The watcher owns the source from then on:
     * closing the watcher closes it.
     *
     * @throws InvalidConfigException when the configuration has errors and the holder has never loaded one
     * @throws IOException            when the source cannot be read at start-up (for example it does not exist)
     */
    public static ConfigWatcher start(ConfigSource source, ConfigHolder holder)
            throws InvalidConfigException, IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(holder, "holder");
        ConfigUpdate first = holder.update(source.read());
        if (first instanceof ConfigUpdate.Rejected rejected && !holder.loaded()) {
            throw new InvalidConfigException(source.description(), rejected.rejection().diagnostics());
        }
        ConfigWatcher watcher = new ConfigWatcher(source, holder);
        source.watch(watcher::reload);
        // A change between the first read and the watch's start makes no event: read once more (a no-op when
        // nothing changed, as the content hash is the same).
        watcher.reload();
        return watcher;
    }

    /** Reads the source now and applies it; what the watch thread does on each change. */
    public synchronized ConfigUpdate reload() {
        try {
            ConfigUpdate update = holder.update(source.read());
            lastReadError = null;
            lastLoggedReadError = null;
            return update;
        } catch (IOException e) {
            lastReadError = e;
            String text = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!text.equals(lastLoggedReadError)) {
                lastLoggedReadError = text;
                LOG.log(Level.WARNING, "cannot read " + source.description() + " (" + text
                        + "); the last good configuration keeps serving");
            }
            return new ConfigUpdate.Unchanged(holder.current());
        }
    }

    /** The error of the last read, if it failed; empty once a read succeeds again. */
    public Optional<IOException> lastReadError() {
        return Optional.ofNullable(lastReadError);
    }

    public ConfigHolder holder() {
        return holder;
    }

    public ConfigSource source() {
        return source;
    }

    /** Stops watching and closes the source. */
    @Override
    public void close() {
        source.close();
    }
}

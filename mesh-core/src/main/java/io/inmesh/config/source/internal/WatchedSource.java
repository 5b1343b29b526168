package io.inmesh.config.source.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The watching half shared by the sources: {@link #watch(Runnable)} and {@link #close()} over a {@link WatchLoop}.
 * Subclasses say how to read, which directories to register and which events are changes.
 */
public abstract class WatchedSource implements ConfigSource {
    private final WatchOptions options;
    private final LongSupplier nanoTime;
    private final Object lock = new Object();
    private WatchLoop loop;
    private boolean closed;

    protected WatchedSource(WatchOptions options, LongSupplier nanoTime) {
        this.options = Objects.requireNonNull(options, "options");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** The path the source was created for; its file system provides the {@code WatchService}. */
    protected abstract Path path();

    /** Registers the directories whose events matter. Called when watching starts and again at every poll. */
    protected abstract void registerAll(Registrar registrar);

    /**
     * Whether an event for {@code dir/child} is a change of this source. May register new directories (a directory
     * created inside a watched tree).
     */
    protected abstract boolean isChange(Registrar registrar, Path dir, WatchEvent.Kind<?> kind, Path child);

    public WatchOptions options() {
        return options;
    }

    @Override
    public final void watch(Runnable onChange) {
        Objects.requireNonNull(onChange, "onChange");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(description() + ": closed");
            }
            if (loop != null) {
                throw new IllegalStateException(description() + ": already watching");
            }
            loop = new WatchLoop(this, options, nanoTime, onChange);
            loop.start();
        }
    }

    @Override
    public final void close() {
        WatchLoop l;
        synchronized (lock) {
            closed = true;
            l = loop;
        }
        if (l != null) {
            l.close();
        }
    }

    /**
     * SHA-256 over the sorted names and contents of {@link #read()}; when the read fails, a description of the failure
     * (so the source going away, and coming back, are changes too).
     */
    final String fingerprint() {
        List<ConfigFile> files;
        try {
            files = new ArrayList<>(read());
        } catch (IOException | RuntimeException e) {
            return "unreadable: " + e;
        }
        files.sort(Comparator.comparing(ConfigFile::name));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        for (ConfigFile f : files) {
            byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
            sha.update(longBytes(name.length));
            sha.update(name);
            sha.update(longBytes(f.content().length));
            sha.update(f.content());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    @Override
    public String toString() {
        return description();
    }
}

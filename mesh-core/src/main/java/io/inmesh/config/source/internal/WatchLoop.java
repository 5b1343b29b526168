package io.inmesh.config.source.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.inmesh.config.source.WatchOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One source's watch: a daemon thread that waits for file-system events (when on) or for the next deadline, feeds
 * relevant events to a {@link Debouncer}, fingerprints the content every poll interval, and runs {@code onChange} on
 * itself, so never concurrently with itself.
 *
 * <p>Every poll also registers the source's directories again: that recovers a watch whose directory was deleted
 * and re-created, or that was missing when watching started.
 */
final class WatchLoop implements Registrar {
    private static final System.Logger LOG = System.getLogger("io.inmesh.config.source");

    private final WatchedSource source;
    private final LongSupplier nanoTime;
    private final Runnable onChange;
    private final long pollNanos;
    private final Debouncer debouncer;
    private final WatchService watchService; // null: events off, or unavailable
    private final Map<WatchKey, Path> keys = new HashMap<>(); // the watch thread's (and start()'s, before it)
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;
    private Thread thread;
    private String fingerprint;
    private long nextPoll;
    private boolean registrationWarned;

    WatchLoop(WatchedSource source, WatchOptions options, LongSupplier nanoTime, Runnable onChange) {
        this.source = source;
        this.nanoTime = nanoTime;
        this.onChange = onChange;
        this.pollNanos = options.pollInterval().toNanos();
        this.debouncer = new Debouncer(options.quietPeriod(), options.maxDelay());
        this.watchService = options.fileEvents() ? newWatchService(source) : null;
    }

    private static WatchService newWatchService(WatchedSource source) {
        try {
            return source.path().getFileSystem().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "{0}: no file-system events ({1}); changes are seen by polling only",
                    source.description(), e.toString());
            return null;
        }
    }

    /** Registers, takes the baseline fingerprint and starts the thread, so changes made after it returns count. */
    void start() {
        source.registerAll(this);
        fingerprint = source.fingerprint();
        nextPoll = nanoTime.getAsLong() + pollNanos;
        thread = new Thread(this::run, "inmesh-config-watch " + source.description());
        thread.setDaemon(true);
        thread.start();
    }

    void close() {
        closed = true;
        closing.countDown();
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the WatchService", e);
            }
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean register(Path dir) {
        if (watchService == null || closed) {
            return false;
        }
        try {
            WatchKey key = dir.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            keys.put(key, dir);
            return true;
        } catch (NoSuchFileException | NotDirectoryException | ClosedWatchServiceException e) {
            return false;
        } catch (IOException e) {
            if (!registrationWarned) { // e.g. the inotify watch limit: say it once, then rely on polling
                registrationWarned = true;
                LOG.log(Level.WARNING, "{0}: cannot watch {1} ({2}); changes there are seen by polling only",
                        source.description(), dir, e.toString());
            }
            return false;
        }
    }

    @Override
    public boolean isWatched(Path dir) {
        return keys.containsValue(dir);
    }

    private void run() {
        try {
            while (!closed) {
                long now = nanoTime.getAsLong();
                long wait = nextPoll - now;
                if (debouncer.pending()) {
                    wait = Math.min(wait, debouncer.deadline() - now);
                }
                WatchKey key = await(Math.max(0, wait));
                if (closed) {
                    return;
                }
                now = nanoTime.getAsLong();
                while (key != null) {
                    handle(key, now);
                    key = watchService.poll();
                }
                if (now - nextPoll >= 0) {
                    nextPoll = now + pollNanos;
                    source.registerAll(this);
                    String current = source.fingerprint();
                    if (!current.equals(fingerprint)) {
                        fingerprint = current;
                        debouncer.event(now); // missed by events (or not yet settled): notify after quiet
                    }
                }
                if (debouncer.fireIfDue(now)) {
                    fingerprint = source.fingerprint(); // the poll compares with what the caller is about to read
                    notifyChange();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, source.description() + ": the config watch stopped on a bug", e);
            throw e;
        }
    }

    private WatchKey await(long nanos) throws InterruptedException {
        if (watchService == null) {
            closing.await(nanos, TimeUnit.NANOSECONDS);
            return null;
        }
        return watchService.poll(nanos, TimeUnit.NANOSECONDS);
    }

    private void handle(WatchKey key, long now) {
        Path dir = keys.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                debouncer.event(now); // events were lost: assume a change
            } else if (dir != null && source.isChange(this, dir, event.kind(), (Path) event.context())) {
                debouncer.event(now);
            }
        }
        if (!key.reset()) {
            keys.remove(key);
            debouncer.event(now); // the watched directory went away (or was replaced)
        }
    }

    private void notifyChange() {
        if (closed) {
            return;
        }
        try {
            onChange.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, source.description() + ": onChange threw; still watching", e);
        }
    }
}

package io.inmesh.kubernetes.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs an action once changes settle: after {@link #signal()}, the action runs when no further signal came for the
 * quiet period, or at the latest when the first pending signal is {@code maxDelay} old. The action runs on the given
 * single-threaded executor, so never concurrently with itself; signals that arrive while it runs schedule the next
 * run. Thread-safe.
 */
public final class SerialDebouncer {
    private static final System.Logger LOG = System.getLogger(SerialDebouncer.class.getName());

    private final ScheduledExecutorService executor;
    private final Runnable action;
    private final String what;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final LongSupplier nanoClock;
    private long firstPending; // 0: nothing pending
    private long lastSignal;
    private ScheduledFuture<?> scheduled;
    private boolean closed;

    /**
     * @param executor a single-threaded executor (the action's thread)
     * @param what     for log lines, e.g. {@code configmap default/mesh-config}
     */
    public SerialDebouncer(ScheduledExecutorService executor, Runnable action, String what, Duration quietPeriod,
                           Duration maxDelay, LongSupplier nanoClock) {
        this.executor = executor;
        this.action = action;
        this.what = what;
        this.quietNanos = quietPeriod.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Something changed: run the action once things are quiet. */
    public synchronized void signal() {
        if (closed) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (firstPending == 0) {
            firstPending = now == 0 ? 1 : now;
        }
        lastSignal = now;
        if (scheduled == null) {
            scheduled = executor.schedule(this::fire, quietNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** No further runs; a run in progress finishes. */
    public synchronized void close() {
        closed = true;
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    private void fire() {
        synchronized (this) {
            scheduled = null;
            if (closed || firstPending == 0) {
                return;
            }
            long now = nanoClock.getAsLong();
            long due = Math.min(lastSignal + quietNanos, firstPending + maxDelayNanos);
            if (now - due < 0) {
                scheduled = executor.schedule(this::fire, due - now, TimeUnit.NANOSECONDS);
                return;
            }
            firstPending = 0;
        }
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "InMesh: the change handler of " + what + " failed; watching goes on", e);
        }
    }
}

package io.inmesh.config.source.internal;

import java.time.Duration;

/**
 * Coalesces a burst of change events into one notification: due once no event arrived for the quiet period, or once
 * the first pending event is {@code maxDelay} old (so a burst that never goes quiet still gets through). Times are
 * {@link System#nanoTime()}-style readings passed in by the caller, compared by difference. Not thread-safe: owned by
 * the watch thread.
 */
final class Debouncer {
    private final long quietNanos;
    private final long maxDelayNanos;
    private boolean pending;
    private long first;
    private long last;

    Debouncer(Duration quietPeriod, Duration maxDelay) {
        this.quietNanos = quietPeriod.toNanos();
        this.maxDelayNanos = Math.max(maxDelay.toNanos(), quietNanos);
    }

    /** Records an event seen at {@code now}. */
    void event(long now) {
        if (!pending) {
            pending = true;
            first = now;
        }
        last = now;
    }

    boolean pending() {
        return pending;
    }

    /** When the pending notification is due; only meaningful while {@link #pending()}. */
    long deadline() {
        long quietEnd = last + quietNanos;
        long cap = first + maxDelayNanos;
        return quietEnd - cap < 0 ? quietEnd : cap;
    }

    /** True (once) when a notification is pending and due at {@code now}; it is then no longer pending. */
    boolean fireIfDue(long now) {
        if (pending && now - deadline() >= 0) {
            pending = false;
            return true;
        }
        return false;
    }
}

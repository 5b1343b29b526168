package io.inmesh.security;

import io.inmesh.security.internal.tls.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A scheduler driven by a {@link ManualClock}: tasks run when the test calls {@link #runDue()}. */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final List<Entry> tasks = new ArrayList<>();
    private boolean closed;

    private static final class Entry implements Task {
        final Instant due;
        final Runnable task;
        boolean cancelled;

        Entry(Instant due, Runnable task) {
            this.due = due;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Task schedule(Runnable task, Duration delay) {
        Entry e = new Entry(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), task);
        tasks.add(e);
        return e;
    }

    /** When the earliest pending task is due, or null. */
    public synchronized Instant nextDue() {
        return tasks.stream().filter(e -> !e.cancelled).map(e -> e.due).min(Instant::compareTo).orElse(null);
    }

    /** Runs every task due at the clock's time (and tasks those schedule, when due too); returns how many ran. */
    public int runDue() {
        int ran = 0;
        while (true) {
            Entry next;
            synchronized (this) {
                next = tasks.stream().filter(e -> !e.cancelled && !e.due.isAfter(clock.instant()))
                        .min((a, b) -> a.due.compareTo(b.due)).orElse(null);
                if (next == null) {
                    return ran;
                }
                tasks.remove(next);
            }
            next.task.run();
            ran++;
        }
    }

    public synchronized boolean closed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        tasks.clear();
    }
}

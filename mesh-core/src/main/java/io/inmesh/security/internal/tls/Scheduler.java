package io.inmesh.security.internal.tls;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay: the certificate sources' timer (renewal, retrying material that is not valid yet).
 * Tests drive their own implementation together with a manual {@link java.time.Clock}.
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task; cancelling one that ran or was cancelled already does nothing. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} once, after {@code delay} (at once when not positive). */
    Task schedule(Runnable task, Duration delay);

    /** Cancels what is pending and stops the thread. Idempotent. */
    @Override
    void close();

    /** A scheduler on one daemon thread named {@code threadName}. */
    static Scheduler daemon(String threadName) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        return new Scheduler() {
            @Override
            public Task schedule(Runnable task, Duration delay) {
                long nanos = Math.max(0, saturatedNanos(delay));
                ScheduledFuture<?> f = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}

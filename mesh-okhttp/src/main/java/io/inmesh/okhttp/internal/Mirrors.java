package io.inmesh.okhttp.internal;

import io.inmesh.traffic.internal.MeshCall;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends mirrored copies, fire-and-forget: on a small executor with a bounded queue that drops copies rather than
 * queueing without limit, through a client of the mesh's own so that a copy's outcome never reaches the caller.
 * A copy carries the authority with {@code -shadow} appended, as Envoy's shadowing does.
 */
public final class Mirrors {
    /** Tag on a copy's request: the call that plans it (one try to the mirror's cluster, no retries). */
    record Copy(MeshCall call, io.opentelemetry.context.Context parent) {
    }

    private final ThreadPoolExecutor executor;
    private final Supplier<OkHttpClient> client;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /**
     * @param threads  at most this many copies in flight
     * @param queue    copies waiting beyond that; more are dropped
     * @param client   the client copies go through (it carries the mesh interceptor)
     */
    public Mirrors(int threads, int queue, Supplier<OkHttpClient> client) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "inmesh-mirror-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, e) -> {
                    dropped.incrementAndGet();
                    if (r instanceof Task t) {
                        t.copyCall.mirrorDropped(true);
                    }
                });
        this.executor.allowCoreThreadTimeOut(true);
        this.client = client;
    }

    /**
     * Schedules a copy of {@code original} for mirror {@code index} of {@code call}'s route. A dropped copy counts in
     * {@link #dropped()} and in the mesh's {@code inmesh_mirror_dropped_total} for the mirror's host.
     */
    void send(Request original, MeshCall call, int index, io.opentelemetry.context.Context parent) {
        MeshCall copyCall = call.mirror(index);
        if (original.body() != null && original.body().isOneShot()) {
            dropped.incrementAndGet(); // a one-shot body cannot be read twice
            copyCall.mirrorDropped(false);
            return;
        }
        Request copy = original.newBuilder().tag(Copy.class, new Copy(copyCall, parent)).build();
        executor.execute(new Task(copyCall, copy)); // a full queue: the rejection handler counts the drop
    }

    /** Sends one copy; the rejection handler reads {@link #copyCall} to count a drop. */
    private final class Task implements Runnable {
        final MeshCall copyCall;
        final Request copy;

        Task(MeshCall copyCall, Request copy) {
            this.copyCall = copyCall;
            this.copy = copy;
        }

        @Override
        public void run() {
            Call c = client.get().newCall(copy);
            try (Response r = c.execute()) {
                r.body().source().readAll(okio.Okio.blackhole());
                sent.incrementAndGet();
            } catch (Exception e) {
                failed.incrementAndGet();
            }
        }
    }

    /** Copies dropped because the queue was full or the body could not be replayed. */
    public long dropped() {
        return dropped.get();
    }

    /** Copies that got a response. */
    public long sent() {
        return sent.get();
    }

    /** Copies that failed without a response. */
    public long failed() {
        return failed.get();
    }
}

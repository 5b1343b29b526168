package io.inmesh.config.source;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An {@code onChange} that counts its calls and records how it was called. */
final class Changes implements Runnable {
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    @Override
    public void run() {
        if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        threads.add(Thread.currentThread());
        count.incrementAndGet();
        running.decrementAndGet();
    }

    int count() {
        return count.get();
    }

    int overlaps() {
        return overlaps.get();
    }
}

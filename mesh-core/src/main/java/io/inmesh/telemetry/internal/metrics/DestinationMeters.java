package io.inmesh.telemetry.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * InMesh's meters of one destination host, resolved once when a cluster is built so that the request path only
 * increments counters it already holds: retries, connection-pool overflows, outlier ejections, endpoints ejected now,
 * mirror copies dropped and requests the HTTP client adapter sent again. {@link #NOOP} records nothing.
 */
public final class DestinationMeters {
    /** Records nothing. */
    public static final DestinationMeters NOOP = new DestinationMeters();

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter retries;
    private final Counter requestOverflows;
    private final Counter retryOverflows;
    private final Counter ejections;
    private final CopyOnWriteArrayList<IntSupplier> ejected = new CopyOnWriteArrayList<>();
    private volatile Gauge ejectedGauge;
    /** Counters of rare events, registered when first counted: indexed by the {@code RARE_} slots. */
    private final AtomicReferenceArray<Counter> rare = new AtomicReferenceArray<>(4);
    private static final int RARE_MIRROR_QUEUE_FULL = 0;
    private static final int RARE_MIRROR_ONE_SHOT = 1;
    private static final int RARE_RESEND_STALE_CONNECTION = 2;
    private static final int RARE_RESEND_REFUSED_RESUMPTION = 3;

    private DestinationMeters() {
        this.registry = null;
        this.tags = Tags.empty();
        this.retries = null;
        this.requestOverflows = null;
        this.retryOverflows = null;
        this.ejections = null;
    }

    DestinationMeters(MeterRegistry registry, String host) {
        this.registry = registry;
        this.tags = Tags.of(MeshMetrics.DESTINATION_SERVICE, host);
        this.retries = Counter.builder("inmesh.retries")
                .description("Retries the mesh started (tries after the first)").tags(tags).register(registry);
        this.requestOverflows = Counter.builder("inmesh.connection.pool.overflows")
                .description("Requests or retries refused by a DestinationRule connectionPool limit (flag UO)")
                .tags(tags).tag("limit", "requests").register(registry);
        this.retryOverflows = Counter.builder("inmesh.connection.pool.overflows")
                .description("Requests or retries refused by a DestinationRule connectionPool limit (flag UO)")
                .tags(tags).tag("limit", "retries").register(registry);
        this.ejections = Counter.builder("inmesh.outlier.ejections")
                .description("Endpoints ejected by outlier detection").tags(tags).register(registry);
    }

    /** A retry is about to be made. */
    public void retry() {
        if (retries != null) {
            retries.increment();
        }
    }

    /** A request was refused by the connection-pool request limit. */
    public void requestOverflow() {
        if (requestOverflows != null) {
            requestOverflows.increment();
        }
    }

    /** A retry was refused by {@code maxRetries} or the retry budget. */
    public void retryOverflow() {
        if (retryOverflows != null) {
            retryOverflows.increment();
        }
    }

    /** Outlier detection ejected an endpoint. */
    public void ejection() {
        if (ejections != null) {
            ejections.increment();
        }
    }

    /** A mirrored copy was dropped: the mirror queue was full ({@code queueFull}) or the body was one-shot. */
    public void mirrorDropped(boolean queueFull) {
        countRare(queueFull ? RARE_MIRROR_QUEUE_FULL : RARE_MIRROR_ONE_SHOT, "inmesh.mirror.dropped",
                "Mirrored copies not sent (queue full, or a body that cannot be read twice)",
                queueFull ? "queue_full" : "one_shot_body");
    }

    /**
     * A request was sent again outside the retry policy: a GET failed on a pooled connection found closed
     * ({@code staleConnection}), or the mesh refused a resumed TLS session before anything was sent.
     */
    public void resend(boolean staleConnection) {
        countRare(staleConnection ? RARE_RESEND_STALE_CONNECTION : RARE_RESEND_REFUSED_RESUMPTION, "inmesh.resends",
                "Requests sent again outside the retry policy (a GET on a pooled connection found closed, a resumed"
                        + " TLS session refused before sending)",
                staleConnection ? "stale_connection" : "refused_resumption");
    }

    /** Increments the counter of {@code slot}, {@code name} with this host's tags and {@code reason}. */
    private void countRare(int slot, String name, String description, String reason) {
        if (registry == null) {
            return;
        }
        Counter c = rare.get(slot);
        if (c == null) {
            // racing threads get the same counter from the registry
            c = Counter.builder(name).description(description).tags(tags).tag("reason", reason).register(registry);
            rare.set(slot, c);
        }
        c.increment();
    }

    /**
     * Counts the endpoints {@code ejectedNow} reports in the host's {@code inmesh_outlier_ejected_endpoints} gauge
     * until the returned handle is closed (a cluster of the host while it is in use).
     */
    public AutoCloseable trackEjected(IntSupplier ejectedNow) {
        if (registry == null) {
            return () -> { };
        }
        ejected.add(ejectedNow);
        if (ejectedGauge == null) {
            synchronized (this) {
                if (ejectedGauge == null) {
                    ejectedGauge = Gauge.builder("inmesh.outlier.ejected.endpoints", this,
                                    DestinationMeters::ejectedNow)
                            .description("Endpoints outlier detection holds ejected now (circuit open)")
                            .tags(tags).register(registry);
                }
            }
        }
        return () -> ejected.remove(ejectedNow);
    }

    private double ejectedNow() {
        int sum = 0;
        for (IntSupplier s : ejected) {
            sum += s.getAsInt();
        }
        return sum;
    }
}

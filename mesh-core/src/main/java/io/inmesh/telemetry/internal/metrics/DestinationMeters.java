package io.inmesh.telemetry.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private volatile Counter mirrorQueueFull;
    private volatile Counter mirrorOneShot;
    private volatile Counter staleConnectionResends;
    private volatile Counter expiredResumptionResends;

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
        if (registry == null) {
            return;
        }
        Counter c = queueFull ? mirrorQueueFull : mirrorOneShot;
        if (c == null) {
            c = Counter.builder("inmesh.mirror.dropped")
                    .description("Mirrored copies not sent (queue full, or a body that cannot be read twice)")
                    .tags(tags).tag("reason", queueFull ? "queue_full" : "one_shot_body").register(registry);
            if (queueFull) {
                mirrorQueueFull = c;
            } else {
                mirrorOneShot = c;
            }
        }
        c.increment();
    }

    /**
     * A request was sent again outside the retry policy: it met a pooled connection the server had closed
     * ({@code staleConnection}), or a resumed TLS session whose server certificate had expired since.
     */
    public void resend(boolean staleConnection) {
        if (registry == null) {
            return;
        }
        Counter c = staleConnection ? staleConnectionResends : expiredResumptionResends;
        if (c == null) {
            c = Counter.builder("inmesh.resends")
                    .description("Requests sent again outside the retry policy, nothing having reached the server"
                            + " (a pooled connection the server had closed, a resumed TLS session with an expired"
                            + " server certificate)")
                    .tags(tags).tag("reason", staleConnection ? "stale_connection" : "expired_resumption")
                    .register(registry);
            if (staleConnection) {
                staleConnectionResends = c;
            } else {
                expiredResumptionResends = c;
            }
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

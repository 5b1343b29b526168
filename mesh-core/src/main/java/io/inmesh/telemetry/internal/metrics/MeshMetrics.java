package io.inmesh.telemetry.internal.metrics;

import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.MeshTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * InMesh's own metrics (config reloads and rejections, snapshot version, certificate expiry, outlier ejections,
 * retries, connection-pool overflows, circuit state, mirror drops). Labels are bounded: destination hosts from the
 * configuration, never paths or user values. {@link #NOOP} when no registry is configured.
 *
 * <p>Prometheus names (through Micrometer's Prometheus registry):
 * <ul>
 *   <li>{@code inmesh_config_reloads_total{result="accepted"|"rejected"}}: configuration updates after the mesh was
 *       built (accepted includes updates whose content was unchanged).</li>
 *   <li>{@code inmesh_config_last_reload_successful}: 1 when the last update was accepted, 0 when rejected.</li>
 *   <li>{@code inmesh_config_last_reload_success_timestamp_seconds}: when the snapshot serving now was built.</li>
 *   <li>{@code inmesh_config_snapshot_info{version}}: 1, for the version serving now only.</li>
 *   <li>{@code inmesh_certificate_expiry_seconds}: seconds until the workload certificate expires (negative once
 *       expired).</li>
 *   <li>{@code inmesh_retries_total{destination_service}},
 *       {@code inmesh_connection_pool_overflows_total{destination_service, limit="requests"|"retries"}},
 *       {@code inmesh_outlier_ejections_total{destination_service}},
 *       {@code inmesh_outlier_ejected_endpoints{destination_service}} (circuit state),
 *       {@code inmesh_mirror_dropped_total{destination_service, reason="queue_full"|"one_shot_body"}},
 *       {@code inmesh_resends_total{destination_service, reason="stale_connection"|"refused_resumption"}}.</li>
 * </ul>
 * {@code destination_service} is the destination host as the configuration names it, fully qualified; past
 * {@link #MAX_HOSTS} hosts, further ones are counted as {@value #OTHER_HOST}.
 */
public class MeshMetrics {
    /** Records nothing. */
    public static final MeshMetrics NOOP = new MeshMetrics();

    /** Hosts with their own label values; more are counted together. */
    public static final int MAX_HOSTS = 1000;
    /** The {@code destination_service} of hosts beyond {@link #MAX_HOSTS}. */
    public static final String OTHER_HOST = "other";

    static final String DESTINATION_SERVICE = "destination_service";

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, DestinationMeters> hosts = new ConcurrentHashMap<>();
    private final Counter accepted;
    private final Counter rejected;
    private final AtomicLong lastSuccessful = new AtomicLong(1);
    private final AtomicLong lastSuccessMillis = new AtomicLong();
    private Gauge snapshotInfo; // guarded by this
    private String snapshotVersion; // guarded by this

    protected MeshMetrics() {
        this.registry = null;
        this.clock = null;
        this.accepted = null;
        this.rejected = null;
    }

    private MeshMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.accepted = reloads("accepted");
        this.rejected = reloads("rejected");
        Gauge.builder("inmesh.config.last.reload.successful", lastSuccessful, AtomicLong::get)
                .description("1 when the last configuration update was accepted, 0 when it was rejected")
                .register(registry);
        Gauge.builder("inmesh.config.last.reload.success.timestamp.seconds", lastSuccessMillis,
                        m -> m.get() / 1000.0)
                .description("When the configuration serving now was built, in seconds since the epoch")
                .register(registry);
    }

    /** Metrics into {@code registry}; {@link #NOOP} when it is null. */
    public static MeshMetrics create(MeterRegistry registry) {
        return create(registry, Clock.systemUTC());
    }

    /** Metrics into {@code registry}, reading wall-clock time (certificate expiry) from {@code clock}. */
    public static MeshMetrics create(MeterRegistry registry, Clock clock) {
        return registry == null ? NOOP : new MeshMetrics(registry, Objects.requireNonNull(clock, "clock"));
    }

    private Counter reloads(String result) {
        return Counter.builder("inmesh.config.reloads")
                .description("Configuration updates, by result (accepted: valid, applied or unchanged)")
                .tag("result", result).register(registry);
    }

    /**
     * Follows {@code holder}: counts its updates from now on and shows the version serving now. Closing the handle
     * stops counting.
     */
    public AutoCloseable watchConfig(ConfigHolder holder) {
        if (registry == null) {
            return () -> { };
        }
        if (holder.loaded()) {
            snapshot(holder.current());
        }
        return holder.addUpdateListener(this::onConfigUpdate);
    }

    /** One configuration update's outcome. */
    void onConfigUpdate(ConfigUpdate update) {
        if (registry == null) {
            return;
        }
        if (update instanceof ConfigUpdate.Rejected) {
            rejected.increment();
            lastSuccessful.set(0);
            return;
        }
        accepted.increment();
        lastSuccessful.set(1);
        if (update instanceof ConfigUpdate.Applied) {
            snapshot(((ConfigUpdate.Applied) update).current());
        }
    }

    private synchronized void snapshot(MeshSnapshot s) {
        lastSuccessMillis.set(s.createdAt().toEpochMilli());
        if (s.version().equals(snapshotVersion)) {
            return;
        }
        if (snapshotInfo != null) {
            registry.remove(snapshotInfo);
        }
        snapshotVersion = s.version();
        snapshotInfo = Gauge.builder("inmesh.config.snapshot.info", () -> 1)
                .description("The configuration version serving now (the value is always 1)")
                .tag("version", s.version()).register(registry);
    }

    /** Shows the seconds until the workload certificate of {@code tls} expires, following rotations. */
    public void watchCertificate(MeshTls tls) {
        if (registry == null) {
            return;
        }
        Gauge.builder("inmesh.certificate.expiry.seconds", tls,
                        t -> (t.current().notAfter().toEpochMilli() - clock.millis()) / 1000.0)
                .description("Seconds until the workload certificate expires")
                .baseUnit("seconds")
                .register(registry);
    }

    /** The meters of destination {@code host}, made once per host (call when a cluster is built). */
    public DestinationMeters destination(String host) {
        if (registry == null) {
            return DestinationMeters.NOOP;
        }
        DestinationMeters m = hosts.get(host);
        if (m != null) {
            return m;
        }
        if (hosts.size() >= MAX_HOSTS) {
            host = OTHER_HOST;
        }
        return hosts.computeIfAbsent(host, h -> new DestinationMeters(registry, h));
    }
}

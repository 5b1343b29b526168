package io.inmesh.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the mesh records and where: the OpenTelemetry instance spans go to, the Micrometer registry Istio's metrics
 * go to, the sampling ratio, the propagation formats and the access log. An immutable value; give it to
 * {@code Mesh.builder().telemetry(...)}.
 *
 * <pre>{@code
 * MeshTelemetry telemetry = MeshTelemetry.builder()
 *         .openTelemetry(openTelemetrySdk)       // default: GlobalOpenTelemetry, looked up at the first request
 *         .meterRegistry(prometheusRegistry)     // default: no metrics
 *         .samplingPercent(1.0)                  // Istio's default
 *         .propagation(Propagation.TRACECONTEXT, Propagation.BAGGAGE, Propagation.B3)
 *         .accessLog(AccessLogFormat.JSON)
 *         .build();
 * }</pre>
 *
 * <p>Spans: one server span per inbound request and one client span per outbound try, following OpenTelemetry's
 * stable HTTP semantic conventions. Sampling: a request that starts a trace is sampled with probability
 * {@link #samplingPercent()} % (a random draw per trace; services downstream follow the flag it propagates). A request
 * that arrives unsampled stays unsampled: its trace is propagated (ids and flags) but the mesh records no span for it.
 * A request that arrives sampled is handed to the application's SDK, whose default parent-based sampler records it.
 * Spans are created through the OpenTelemetry API; the application's SDK exports them.
 */
public final class MeshTelemetry {
    /** The SLF4J logger name of the access log. */
    public static final String ACCESS_LOGGER = "io.inmesh.accesslog";

    private static final MeshTelemetry DISABLED = new Builder().tracing(false).build();
    private static final MeshTelemetry DEFAULTS = new Builder().build();

    private final OpenTelemetry openTelemetry;
    private final boolean tracing;
    private final MeterRegistry meterRegistry;
    private final double samplingPercent;
    private final Set<Propagation> propagation;
    private final AccessLogFormat accessLog;
    private final String workloadName;

    private MeshTelemetry(Builder b) {
        this.openTelemetry = b.openTelemetry;
        this.tracing = b.tracing;
        this.meterRegistry = b.meterRegistry;
        this.samplingPercent = b.samplingPercent;
        this.propagation = Set.copyOf(b.propagation);
        this.accessLog = b.accessLog;
        this.workloadName = b.workloadName;
    }

    /** A builder with the defaults: global OpenTelemetry, 1 % sampling, W3C Trace Context and Baggage, no metrics. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults of {@link #builder()}: traces to the global OpenTelemetry, no metrics, no access log. */
    public static MeshTelemetry defaults() {
        return DEFAULTS;
    }

    /** No spans, no metrics, no access log; trace context is still propagated. */
    public static MeshTelemetry disabled() {
        return DISABLED;
    }

    /**
     * The OpenTelemetry instance spans are created with: the one given, else {@link GlobalOpenTelemetry#get()}
     * (call this only once the application has set its global instance: looking the global up before it is set
     * fixes it to a no-op), else a no-op when tracing is off.
     */
    public OpenTelemetry openTelemetry() {
        if (!tracing) {
            return OpenTelemetry.noop();
        }
        return openTelemetry != null ? openTelemetry : GlobalOpenTelemetry.get();
    }

    /** False when spans are off (trace context is still propagated). */
    public boolean tracing() {
        return tracing;
    }

    /** Where Istio's and InMesh's metrics are registered, or null for none. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The percentage of new traces sampled, 0 to 100. */
    public double samplingPercent() {
        return samplingPercent;
    }

    /** The header formats read and written. */
    public Set<Propagation> propagation() {
        return propagation;
    }

    /** The access log format; {@link AccessLogFormat#OFF} by default. */
    public AccessLogFormat accessLog() {
        return accessLog;
    }

    /**
     * The workload name for the {@code source_workload} and {@code destination_workload} labels (Istio uses the
     * Deployment's name), or null to derive it from the workload's labels: {@code app-version}, else {@code app},
     * else the service account.
     */
    public String workloadName() {
        return workloadName;
    }

    /** Builds {@link MeshTelemetry}. */
    public static final class Builder {
        private OpenTelemetry openTelemetry;
        private boolean tracing = true;
        private MeterRegistry meterRegistry;
        private double samplingPercent = 1.0;
        private Set<Propagation> propagation = EnumSet.of(Propagation.TRACECONTEXT, Propagation.BAGGAGE);
        private AccessLogFormat accessLog = AccessLogFormat.OFF;
        private String workloadName;

        private Builder() {
        }

        /** The OpenTelemetry instance (usually the application's SDK); default: the global one. */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /** Turns spans on (default) or off; trace context is propagated either way. */
        public Builder tracing(boolean tracing) {
            this.tracing = tracing;
            return this;
        }

        /** Registers Istio's standard metrics and InMesh's own in {@code registry}. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The percentage of new traces to sample, 0 to 100 (Istio's {@code sampling}); 1 by default. */
        public Builder samplingPercent(double percent) {
            if (!(percent >= 0 && percent <= 100)) {
                throw new IllegalArgumentException("sampling percentage " + percent + " is outside 0..100");
            }
            this.samplingPercent = percent;
            return this;
        }

        /** The header formats to read and write; at least one. */
        public Builder propagation(Propagation... formats) {
            if (formats.length == 0) {
                throw new IllegalArgumentException("give at least one propagation format");
            }
            EnumSet<Propagation> set = EnumSet.noneOf(Propagation.class);
            for (Propagation p : formats) {
                set.add(Objects.requireNonNull(p, "propagation format"));
            }
            this.propagation = set;
            return this;
        }

        /** The access log format; OFF by default. */
        public Builder accessLog(AccessLogFormat format) {
            this.accessLog = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The workload name for metrics labels (Istio: the Deployment's name, e.g. {@code reviews-v2}). */
        public Builder workloadName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("workload name must not be blank");
            }
            this.workloadName = name;
            return this;
        }

        public MeshTelemetry build() {
            return new MeshTelemetry(this);
        }
    }
}

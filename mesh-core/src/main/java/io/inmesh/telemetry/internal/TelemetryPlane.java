package io.inmesh.telemetry.internal;

import io.inmesh.Workload;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.internal.metrics.IstioMetrics;
import io.inmesh.telemetry.internal.metrics.MeshMetrics;
import io.inmesh.telemetry.internal.metrics.PeerLabels;
import io.inmesh.telemetry.internal.propagation.MeshPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The mesh's telemetry at run time: the propagator, the tracer, the metrics and the access log, shared by the client
 * and server adapters.
 */
public final class TelemetryPlane {
    private final MeshTelemetry settings;
    private final TextMapPropagator propagator;
    private final PeerLabels self;
    private final IstioMetrics istio;
    private final MeshMetrics meshMetrics;

    public TelemetryPlane(MeshTelemetry settings, Workload workload, String principal) {
        this.settings = settings;
        this.propagator = MeshPropagators.create(settings.propagation());
        this.self = selfLabels(settings, workload, principal);
        this.istio = settings.meterRegistry() == null ? null : new IstioMetrics(settings.meterRegistry(), self);
        this.meshMetrics = MeshMetrics.create(settings.meterRegistry());
    }

    /** This workload's labels for Istio's metrics. */
    static PeerLabels selfLabels(MeshTelemetry settings, Workload workload, String principal) {
        var labels = workload.labels();
        String app = labels.getOrDefault("app", PeerLabels.UNKNOWN);
        String version = labels.getOrDefault("version", PeerLabels.UNKNOWN);
        String name = settings.workloadName();
        if (name == null) {
            if (labels.containsKey("app") && labels.containsKey("version")) {
                name = app + "-" + version;
            } else if (labels.containsKey("app")) {
                name = app;
            } else {
                name = workload.serviceAccount();
            }
        }
        String canonicalService = firstOf(labels, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
        String canonicalRevision = firstOf(labels, "service.istio.io/canonical-revision", "app.kubernetes.io/version",
                "version");
        return new PeerLabels(name, workload.namespace(), principal == null ? PeerLabels.UNKNOWN : principal, app,
                version, canonicalService == null ? name : canonicalService,
                canonicalRevision == null ? "latest" : canonicalRevision);
    }

    private static String firstOf(java.util.Map<String, String> labels, String... keys) {
        for (String k : keys) {
            String v = labels.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    public MeshTelemetry settings() {
        return settings;
    }

    /** Reads and writes the configured header formats. */
    public TextMapPropagator propagator() {
        return propagator;
    }

    /** This workload's labels. */
    public PeerLabels self() {
        return self;
    }

    /** Istio's standard metrics, or null when no registry is configured. */
    public IstioMetrics istio() {
        return istio;
    }

    /** InMesh's own metrics ({@link MeshMetrics#NOOP} without a registry). */
    public MeshMetrics meshMetrics() {
        return meshMetrics;
    }
}

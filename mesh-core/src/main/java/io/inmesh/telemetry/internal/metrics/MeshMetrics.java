package io.inmesh.telemetry.internal.metrics;

/**
 * InMesh's own metrics (config reloads and rejections, snapshot version, certificate expiry, outlier ejections,
 * retries, connection-pool overflows, circuit state, mirror drops). Labels are bounded: destination hosts from the
 * configuration, never paths or user values. {@link #NOOP} when no registry is configured.
 */
public class MeshMetrics {
    /** Records nothing. */
    public static final MeshMetrics NOOP = new MeshMetrics();

    protected MeshMetrics() {
    }
}

package io.inmesh.telemetry;

/** How the access log writes one line per request on the logger {@value MeshTelemetry#ACCESS_LOGGER}. */
public enum AccessLogFormat {
    /** No access log (the default, as Istio's). */
    OFF,
    /** Envoy's default text format, adapted: see the README's access log section. */
    TEXT,
    /** One JSON object per line with the same fields. */
    JSON
}

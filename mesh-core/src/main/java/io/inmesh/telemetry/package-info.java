/**
 * Telemetry: traces through the OpenTelemetry API (W3C Trace Context level 2, W3C Baggage, B3), Istio's standard
 * metrics through Micrometer, and an access log. Configure it with {@link io.inmesh.telemetry.MeshTelemetry} and
 * hand it to {@code Mesh.builder().telemetry(...)}; the adapters (OkHttp client, servlet and WebFlux filters) record
 * what passes through them.
 */
package io.inmesh.telemetry;

/**
 * Spring Boot 4 auto-configuration for InMesh. The public types: {@link io.inmesh.spring.MeshProperties} (the
 * {@code mesh.*} properties), {@link io.inmesh.spring.MeshAutoConfiguration} (the {@code Mesh}, its
 * {@code MeshTelemetry}, the mesh's {@code OkHttpClient}, each backing off when the application defines its own),
 * {@link io.inmesh.spring.MeshServerFilter} (the inbound side of servlet applications: server span, inbound checks,
 * metrics and access log) and {@link io.inmesh.spring.MeshClient} ({@code OkHttpClient}, {@code RestClient} and
 * {@code WebClient} injected through the mesh) with {@link io.inmesh.spring.MeshClientAutoConfiguration}. Everything
 * in {@code io.inmesh.spring.internal} may change.
 */
package io.inmesh.spring;

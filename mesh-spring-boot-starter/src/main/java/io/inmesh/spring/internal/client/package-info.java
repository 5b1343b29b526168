/**
 * {@code @MeshClient}'s implementation: Spring's {@code ClientHttpRequestFactory} and {@code ClientHttpConnector}
 * over OkHttp (so that RestClient and WebClient go through the mesh's OkHttp interceptor), the autowire candidate
 * resolver that serves annotated injection points, and the start-up failure report. Not an API.
 */
package io.inmesh.spring.internal.client;

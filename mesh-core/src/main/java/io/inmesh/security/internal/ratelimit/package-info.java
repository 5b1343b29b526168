/**
 * InMesh's LocalRateLimit: Envoy-style local token buckets on the inbound side. {@link
 * io.inmesh.security.internal.ratelimit.LocalRateLimiter} is compiled per config snapshot and workload and returns a
 * {@link io.inmesh.security.internal.ratelimit.RateLimitDecision}; {@link
 * io.inmesh.security.internal.ratelimit.RateLimitBuckets} keeps the buckets across snapshots.
 */
package io.inmesh.security.internal.ratelimit;

/**
 * RequestAuthentication: JWT request authentication for the inbound side. {@link
 * io.inmesh.security.internal.jwt.JwtAuthenticator} is compiled per config snapshot and workload and returns a
 * {@link io.inmesh.security.internal.jwt.JwtResult}; {@link io.inmesh.security.internal.jwt.JwksCache} holds remote
 * key sets across snapshots. All JWS and JWK work is nimbus-jose-jwt's.
 */
package io.inmesh.security.internal.jwt;

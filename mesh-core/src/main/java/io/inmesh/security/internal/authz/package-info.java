/**
 * Authorization for inbound requests: Istio's AuthorizationPolicy evaluated in-process, and the mTLS mode
 * PeerAuthentication sets.
 *
 * <ul>
 *   <li>{@link io.inmesh.security.internal.authz.AuthorizationEngine}: one per workload and snapshot; CUSTOM ignored,
 *       DENY, no ALLOW policy, ALLOW, deny; AUDIT never decides.</li>
 *   <li>{@link io.inmesh.security.internal.authz.PathNormalizer}: what {@code paths} see, and which paths are
 *       rejected with 400.</li>
 *   <li>{@link io.inmesh.security.internal.authz.PeerAuthenticationResolver}: STRICT, PERMISSIVE or DISABLE for a
 *       workload's port.</li>
 * </ul>
 *
 * <p>The reference is Istio's own compilation of policies to Envoy RBAC (istio/istio
 * {@code pilot/pkg/security/authz/model}: {@code model.go} for the rule structure, {@code generator.go} for each
 * field) and Envoy's matchers, which define what an absent attribute does (it matches no value and every
 * {@code notX}). Where InMesh deliberately differs, it is to close a gap between what a policy sees and what a JVM
 * application routes, and the class that does it says so:
 * <ul>
 *   <li>path parameters ({@code ;x}) are removed before matching, as servlet routing removes them
 *       ({@link io.inmesh.security.internal.authz.PathNormalizer});</li>
 *   <li>encoded slashes, double encoding ({@code %25XX}) and overlong UTF-8 are rejected (Istio's default keeps
 *       {@code %2F} and does not reject the others);</li>
 *   <li>repeated slashes are merged (Istio's {@code MERGE_SLASHES}, not its default {@code BASE});</li>
 *   <li>{@code hosts} also match the Host header without its port (Istio compares the header as sent);</li>
 *   <li>{@code remote.ip} is the peer address: InMesh never trusts X-Forwarded-For;</li>
 *   <li>there is no TCP: every request is HTTP, so HTTP-only fields always apply.</li>
 * </ul>
 */
package io.inmesh.security.internal.authz;

package io.inmesh.security;

/**
 * The authorization decision for one inbound request, naming the policy that decided.
 *
 * @param allowed whether the request may proceed
 * @param policy  the AuthorizationPolicy that decided, {@code namespace/name}; null when the request was denied
 *                because no ALLOW policy matched, or allowed because no policy applies
 * @param action  the action of that policy ({@code ALLOW} or {@code DENY}), or null with no policy
 * @param reason  a short explanation for logs and {@code mesh authorize} (never contains tokens or keys)
 */
public record AuthzDecision(boolean allowed, String policy, String action, String reason) {
}

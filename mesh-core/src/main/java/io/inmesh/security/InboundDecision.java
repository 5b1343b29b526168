package io.inmesh.security;

import io.inmesh.config.PeerAuthentication;
import java.util.List;
import java.util.Map;

/**
 * What the mesh decided for one inbound request, in the order Istio's sidecar applies its filters: peer
 * authentication mode, path normalization, RequestAuthentication (JWT), AuthorizationPolicy, local rate limit. The
 * adapter answers {@link #status()} with {@link #body()} when the request is not allowed, and otherwise applies the
 * header changes and passes it to the application. Nothing here contains a token or key.
 *
 * @param outcome               the outcome
 * @param status                the HTTP status to answer with when not allowed (200 when allowed)
 * @param body                  the answer's body when not allowed (Envoy's texts, such as
 *                              {@code RBAC: access denied}); empty when allowed
 * @param responseFlags         Envoy's response flags for metrics and logs ({@code -}, {@code RL}, ...)
 * @param mtlsMode              the PeerAuthentication mode in force for the port
 * @param peer                  the peer's SPIFFE ID, or null on plaintext
 * @param identity              the request identity from a verified JWT, or null
 * @param authorization         the authorization decision, or null when the request did not get that far
 * @param responseHeaders       headers to add to the answer (rate-limit headers), lower case
 * @param setRequestHeaders     request headers to set before the application sees the request (JWT outputs)
 * @param removeRequestHeaders  request headers to remove first (JWT outputs a client may not send, the token's
 *                              header unless forwarded)
 * @param removeQueryParameters query parameters to remove (a token sent as one, unless forwarded)
 * @param reason                a short explanation for logs
 */
public record InboundDecision(Outcome outcome, int status, String body, String responseFlags,
                              PeerAuthentication.Mode mtlsMode, SpiffeId peer, RequestIdentity identity,
                              AuthzDecision authorization, Map<String, String> responseHeaders,
                              Map<String, String> setRequestHeaders, List<String> removeRequestHeaders,
                              List<String> removeQueryParameters, String reason) {

    /** The outcome of the inbound checks. */
    public enum Outcome {
        /** The request may go to the application. */
        ALLOWED,
        /** Plaintext on a port whose PeerAuthentication mode is STRICT: close the connection (403 if answering). */
        PLAINTEXT_REFUSED,
        /** The path cannot be normalized safely (encoded slash, bad escape, invalid UTF-8): 400. */
        BAD_REQUEST,
        /** A JWT was present and did not verify: 401. */
        UNAUTHENTICATED,
        /** An AuthorizationPolicy denied the request: 403 {@code RBAC: access denied}. */
        DENIED,
        /** A LocalRateLimit bucket was empty: 429, response flag RL. */
        RATE_LIMITED
    }

    public InboundDecision {
        responseHeaders = Map.copyOf(responseHeaders);
        setRequestHeaders = Map.copyOf(setRequestHeaders);
        removeRequestHeaders = List.copyOf(removeRequestHeaders);
        removeQueryParameters = List.copyOf(removeQueryParameters);
    }

    /** True when the request may go to the application. */
    public boolean allowed() {
        return outcome == Outcome.ALLOWED;
    }

    /** True when the application sees the request's headers as they came: none to set or remove. */
    public boolean keepsRequestHeaders() {
        return setRequestHeaders.isEmpty() && removeRequestHeaders.isEmpty();
    }

    /** True when the application sees the request as it came: no header to set or remove, no query parameter. */
    public boolean keepsRequest() {
        return keepsRequestHeaders() && removeQueryParameters.isEmpty();
    }
}

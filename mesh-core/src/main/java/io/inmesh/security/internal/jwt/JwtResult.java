package io.inmesh.security.internal.jwt;

import io.inmesh.security.RequestIdentity;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What RequestAuthentication decided for one request. The adapter acts on it: it removes {@code removeHeaders} (and
 * the query parameters named) before it sets {@code setHeaders}, and answers {@link Rejected} with 401.
 */
public sealed interface JwtResult {

    /**
     * No token in any location a rule names: the request proceeds without a request identity (an
     * AuthorizationPolicy with {@code requestPrincipals} is what makes a token mandatory).
     *
     * @param removeHeaders the headers the rules output to ({@code outputPayloadToHeader},
     *                      {@code outputClaimToHeaders}), lower case: a client must not be able to send them itself,
     *                      so they are removed from every request, as Envoy's jwt_authn does
     */
    record NoToken(List<String> removeHeaders) implements JwtResult {
        public NoToken {
            removeHeaders = List.copyOf(removeHeaders);
        }
    }

    /**
     * Every token found verified.
     *
     * @param identity              who the request says it is; with several tokens, the one whose issuer sorts
     *                              first (Istio's authn filter picks by issuer in dictionary order)
     * @param setHeaders            headers to set (replacing any value), lower-case names: the base64url payload
     *                              for {@code outputPayloadToHeader}, claims for {@code outputClaimToHeaders}
     * @param removeHeaders         headers to remove first: the output headers of every rule, and the header a
     *                              token came in unless its rule has {@code forwardOriginalToken: true}
     * @param removeQueryParameters query parameters a token came in, to remove unless {@code forwardOriginalToken}
     */
    record Authenticated(RequestIdentity identity, Map<String, String> setHeaders, List<String> removeHeaders,
                         List<String> removeQueryParameters) implements JwtResult {
        public Authenticated {
            Objects.requireNonNull(identity, "identity");
            setHeaders = Map.copyOf(setHeaders);
            removeHeaders = List.copyOf(removeHeaders);
            removeQueryParameters = List.copyOf(removeQueryParameters);
        }
    }

    /**
     * A token was present and did not verify: answer 401. The reason uses Envoy's wording (such as
     * {@code Jwt is expired}) and never contains the token or key material.
     */
    record Rejected(String reason) implements JwtResult {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }
}

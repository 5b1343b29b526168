package io.inmesh.security;

import java.util.List;
import java.util.Map;

/**
 * Who a request says it is, from a JWT that RequestAuthentication verified.
 *
 * @param principal Istio's request principal, {@code <iss>/<sub>}
 * @param issuer    the {@code iss} claim
 * @param subject   the {@code sub} claim
 * @param audiences the {@code aud} claim (a single string becomes one element)
 * @param presenter the {@code azp} claim, or null
 * @param claims    every claim, as the JSON parser gives them (strings, numbers, booleans, lists, maps)
 */
public record RequestIdentity(String principal, String issuer, String subject, List<String> audiences,
                              String presenter, Map<String, Object> claims) {
    public RequestIdentity {
        audiences = List.copyOf(audiences);
        claims = Map.copyOf(claims);
    }
}

package io.inmesh.traffic.internal.lb;

import io.inmesh.config.DestinationRule;
import io.inmesh.traffic.RequestView;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Where a request's consistent-hash key comes from ({@code loadBalancer.consistentHash} of a DestinationRule), and
 * its hash. Immutable; build it once per policy with {@link #of}.
 *
 * <p>The key is one of, in the proto's field order when a rule (invalidly) gives several: the first value of
 * header {@code httpHeaderName} (compared lower-case; an empty value is a key), the value of cookie
 * {@code httpCookie.name} (an empty value counts as absent, as in Envoy), the caller's source address when
 * {@code useSourceIp} is true, the first value of query parameter {@code httpQueryParameterName} (an empty value is
 * a key). A policy that names no key (only {@code ringHash} or {@code maglev}) hashes nothing, so every request is
 * balanced at random. The key is hashed with {@link #hashKey(CharSequence)}.
 *
 * <p>Cookie with a ttl (Envoy's behaviour): when the request has no such cookie, {@link #hash} returns
 * {@link LoadBalancer#NO_HASH}; the caller generates a value, balances on {@code hashKey(value)}, and adds
 * {@code Set-Cookie: setCookieHeader(value)} to the response, so the client's next requests carry the key. Without
 * a ttl no cookie is generated and cookie-less requests are balanced at random.
 */
public final class HashPolicy {

    private enum Source { HEADER, COOKIE, SOURCE_IP, QUERY_PARAMETER, NONE }

    private final Source source;
    private final String name;
    private final String cookiePath;
    private final Duration cookieTtl;
    private final List<DestinationRule.CookieAttribute> cookieAttributes;

    private HashPolicy(Source source, String name, String cookiePath, Duration cookieTtl,
                       List<DestinationRule.CookieAttribute> cookieAttributes) {
        this.source = source;
        this.name = name;
        this.cookiePath = cookiePath;
        this.cookieTtl = cookieTtl;
        this.cookieAttributes = cookieAttributes;
    }

    /** The policy for {@code consistentHash}, or null when it is null (the destination does not hash). */
    public static HashPolicy of(DestinationRule.ConsistentHashLb consistentHash) {
        if (consistentHash == null) {
            return null;
        }
        if (consistentHash.httpHeaderName() != null) {
            return new HashPolicy(Source.HEADER, consistentHash.httpHeaderName().toLowerCase(Locale.ROOT),
                    null, null, List.of());
        }
        DestinationRule.HttpCookie cookie = consistentHash.httpCookie();
        if (cookie != null && cookie.name() != null) {
            String path = cookie.path() == null || cookie.path().isEmpty() ? null : cookie.path();
            List<DestinationRule.CookieAttribute> attributes =
                    cookie.attributes() == null ? List.of() : List.copyOf(cookie.attributes());
            return new HashPolicy(Source.COOKIE, cookie.name(), path, cookie.ttl(), attributes);
        }
        if (Boolean.TRUE.equals(consistentHash.useSourceIp())) {
            return new HashPolicy(Source.SOURCE_IP, null, null, null, List.of());
        }
        if (consistentHash.httpQueryParameterName() != null) {
            return new HashPolicy(Source.QUERY_PARAMETER, consistentHash.httpQueryParameterName(), null, null,
                    List.of());
        }
        return new HashPolicy(Source.NONE, null, null, null, List.of());
    }

    /**
     * The hash of {@code request}'s key, or {@link LoadBalancer#NO_HASH} when it has none.
     *
     * @param sourceAddress the calling side's IP address as text (no port), used only with {@code useSourceIp};
     *                      null when unknown
     */
    public long hash(RequestView request, String sourceAddress) {
        String key;
        switch (source) {
            case HEADER:
                key = request.header(name);
                break;
            case COOKIE:
                key = request.cookie(name);
                if (key != null && key.isEmpty()) {
                    key = null;
                }
                break;
            case SOURCE_IP:
                key = sourceAddress == null || sourceAddress.isEmpty() ? null : sourceAddress;
                break;
            case QUERY_PARAMETER:
                key = request.queryParameter(name);
                break;
            default:
                key = null;
                break;
        }
        return key == null ? LoadBalancer.NO_HASH : hashKey(key);
    }

    /**
     * The hash a key maps to: {@link Hashing#hash64}, except that the one key hashing to
     * {@link LoadBalancer#NO_HASH} maps to {@link Long#MAX_VALUE} instead. Use it for a generated cookie value.
     */
    public static long hashKey(CharSequence key) {
        long h = Hashing.hash64(key);
        return h == LoadBalancer.NO_HASH ? Long.MAX_VALUE : h;
    }

    /** The cookie name when the key is a cookie, else null. */
    public String cookieName() {
        return source == Source.COOKIE ? name : null;
    }

    /** The cookie's {@code Path} when the key is a cookie and a path is configured, else null. */
    public String cookiePath() {
        return cookiePath;
    }

    /** The cookie's time to live when the key is a cookie and a ttl is configured, else null. */
    public Duration cookieTtl() {
        return cookieTtl;
    }

    /** True when the key is a cookie with a ttl: the caller generates the cookie for a request without one. */
    public boolean generatesCookie() {
        return source == Source.COOKIE && cookieTtl != null;
    }

    /**
     * The {@code Set-Cookie} header value for a generated cookie, in Envoy's format:
     * {@code name="value"; Max-Age=<seconds>; Path=<path>; <attribute>=<value>...; HttpOnly}. The value is quoted
     * (RFC 6265 allows it; cookie readers drop the quotes). Max-Age is the ttl in whole seconds and is left out when
     * that is zero, making a session cookie; Path is left out when not configured; an attribute without a value is
     * written as its name alone.
     *
     * @param value the generated cookie value, made of RFC 6265 cookie-octets (no quote, comma, semicolon, space
     *              or backslash)
     * @throws IllegalStateException when this policy's key is not a cookie
     */
    public String setCookieHeader(String value) {
        if (source != Source.COOKIE) {
            throw new IllegalStateException("hash policy key is " + source + ", not a cookie");
        }
        StringBuilder b = new StringBuilder(name.length() + value.length() + 64);
        b.append(name).append("=\"").append(value).append('"');
        long seconds = cookieTtl == null ? 0 : cookieTtl.getSeconds();
        if (seconds > 0) {
            b.append("; Max-Age=").append(seconds);
        }
        if (cookiePath != null) {
            b.append("; Path=").append(cookiePath);
        }
        for (DestinationRule.CookieAttribute attribute : cookieAttributes) {
            b.append("; ").append(attribute.name());
            if (attribute.value() != null && !attribute.value().isEmpty()) {
                b.append('=').append(attribute.value());
            }
        }
        return b.append("; HttpOnly").toString();
    }

    @Override
    public String toString() {
        return source == Source.NONE || source == Source.SOURCE_IP ? "HashPolicy[" + source + "]"
                : "HashPolicy[" + source + " " + name + "]";
    }
}

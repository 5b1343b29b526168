package io.inmesh.spring.internal.client;

import java.util.Locale;
import okhttp3.HttpUrl;

/**
 * The base URL a {@code @MeshClient} value names: {@code ratings}, {@code ratings.default}, {@code ratings:9080}
 * become {@code http://} and the value; {@code http://...} and {@code https://...} URLs are taken as they are.
 */
final class MeshClientTarget {
    /** What a value should be, for messages. */
    static final String ACTION = "Name a service (ratings, ratings.default, ratings:9080) or give an http(s) base URL"
            + " (http://ratings:9080, https://ratings.example.com/api)";

    private MeshClientTarget() {
    }

    /** The base URL for {@code value} (placeholders already resolved); an exception saying what is wrong. */
    static String baseUrl(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the value is empty");
        }
        if (!value.equals(value.strip()) || value.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("the value contains white space or control characters");
        }
        int scheme = value.indexOf("://");
        if (scheme >= 0) {
            String s = value.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!s.equals("http") && !s.equals("https")) {
                throw new IllegalArgumentException("scheme \"" + value.substring(0, scheme)
                        + "\" is not http or https");
            }
            HttpUrl url = HttpUrl.parse(value);
            if (url == null) {
                throw new IllegalArgumentException("not a valid URL");
            }
            check(url, value);
            return value;
        }
        if (value.indexOf('/') >= 0 || value.indexOf('?') >= 0 || value.indexOf('#') >= 0
                || value.indexOf('@') >= 0) {
            throw new IllegalArgumentException("a service name has no path, query or user; give a URL with a scheme"
                    + " for a base path (http://ratings:9080/api)");
        }
        HttpUrl url = HttpUrl.parse("http://" + value);
        if (url == null) {
            throw new IllegalArgumentException("not a host name with an optional port");
        }
        return "http://" + value;
    }

    private static void check(HttpUrl url, String value) {
        if (!url.username().isEmpty() || !url.password().isEmpty()) {
            throw new IllegalArgumentException("a base URL carries no user information (credentials belong in"
                    + " headers, not in a URL that ends up in logs and spans)");
        }
        if (url.query() != null || value.indexOf('#') >= 0) {
            throw new IllegalArgumentException("a base URL has no query or fragment");
        }
    }
}

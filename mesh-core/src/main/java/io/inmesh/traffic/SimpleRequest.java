package io.inmesh.traffic;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link RequestView} over a method, an absolute {@code http}/{@code https} URL and headers: for tools such as
 * {@code mesh explain}, tests, and callers that do not go through an adapter.
 */
public final class SimpleRequest implements RequestView {
    private final String method;
    private final String scheme;
    private final String host;
    private final int port;
    private final String authority;
    private final String path;
    private final String query;
    private final Map<String, String> headers;
    private final Map<String, String> queryParameters;

    private SimpleRequest(String method, URI url, Map<String, String> headers) {
        this.method = method.toUpperCase(Locale.ROOT);
        this.scheme = url.getScheme() == null ? null : url.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("not an http or https URL: " + url);
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("URL has no host: " + url);
        }
        String h = url.getHost().toLowerCase(Locale.ROOT);
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        int defaultPort = "https".equals(scheme) ? 443 : 80;
        this.port = url.getPort() == -1 ? defaultPort : url.getPort();
        String hostText = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        this.authority = port == defaultPort ? hostText : hostText + ":" + port;
        this.path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        this.query = url.getRawQuery();
        Map<String, String> hs = new LinkedHashMap<>();
        headers.forEach((k, v) -> hs.putIfAbsent(k.toLowerCase(Locale.ROOT), v));
        this.headers = Map.copyOf(hs);
        Map<String, String> qs = new LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                qs.putIfAbsent(k, v);
            }
        }
        this.queryParameters = Map.copyOf(qs);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** A request for {@code method} on the absolute URL {@code url} with {@code headers} (names any case). */
    public static SimpleRequest of(String method, String url, Map<String, String> headers) {
        Objects.requireNonNull(method, "method");
        return new SimpleRequest(method, URI.create(url), headers);
    }

    /** A request without headers. */
    public static SimpleRequest of(String method, String url) {
        return of(method, url, Map.of());
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String authority() {
        String explicit = headers.get("host");
        return explicit != null ? explicit : authority;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    @Override
    public String queryParameter(String name) {
        return queryParameters.get(name);
    }

    @Override
    public String toString() {
        return method + " " + scheme + "://" + authority + path + (query == null ? "" : "?" + query);
    }
}

package io.inmesh.okhttp.internal;

import io.inmesh.traffic.RequestView;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * A {@link RequestView} over an OkHttp request; path and authority are computed once, on first use, the authority
 * from the client's {@link UrlCache}.
 */
final class OkHttpRequestView implements RequestView {
    private final Request request;
    private final HttpUrl url;
    private final UrlCache urls;
    private String path;
    private String authority;

    OkHttpRequestView(Request request, UrlCache urls) {
        this.request = request;
        this.url = request.url();
        this.urls = urls;
    }

    @Override
    public String method() {
        return request.method();
    }

    @Override
    public String scheme() {
        return url.scheme();
    }

    @Override
    public String host() {
        return url.host();
    }

    @Override
    public int port() {
        return url.port();
    }

    @Override
    public String authority() {
        String a = authority;
        if (a == null) {
            String explicit = request.header("Host");
            a = explicit != null ? explicit : urls.authority(url);
            authority = a;
        }
        return a;
    }

    /**
     * The authority in the access log and the metrics: the {@code Host} header, else the URL's host and port (when not
     * the scheme's default); unlike {@link #authority()}, an IPv6 host without brackets.
     */
    String logAuthority() {
        String host = url.host();
        if (host.indexOf(':') < 0) {
            return authority(); // the same string, computed once
        }
        String explicit = request.header("Host");
        if (explicit != null) {
            return explicit;
        }
        return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
    }

    @Override
    public String path() {
        String p = path;
        if (p == null) {
            p = url.encodedPath();
            path = p;
        }
        return p;
    }

    @Override
    public String query() {
        return url.encodedQuery();
    }

    @Override
    public String header(String lowerCaseName) {
        return request.header(lowerCaseName);
    }

    @Override
    public String queryParameter(String name) {
        return url.queryParameter(name);
    }
}

package io.inmesh.okhttp.internal;

import io.inmesh.traffic.RequestView;
import okhttp3.HttpUrl;
import okhttp3.Request;

/** A {@link RequestView} over an OkHttp request; path and authority are computed once, on first use. */
final class OkHttpRequestView implements RequestView {
    private final Request request;
    private final HttpUrl url;
    private String path;
    private String authority;

    OkHttpRequestView(Request request) {
        this.request = request;
        this.url = request.url();
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
            if (explicit != null) {
                a = explicit;
            } else {
                String h = url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host();
                a = url.port() == HttpUrl.defaultPort(url.scheme()) ? h : h + ":" + url.port();
            }
            authority = a;
        }
        return a;
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

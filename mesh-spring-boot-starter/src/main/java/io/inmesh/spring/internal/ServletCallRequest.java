package io.inmesh.spring.internal;

import io.inmesh.telemetry.internal.ServerCall;
import jakarta.servlet.http.HttpServletRequest;

/**
 * A servlet request as the telemetry sees it: the method and the path read at once (the container has them as
 * strings already; the path before a container that rewrites the request in place on a forward could change it), the
 * rest from the container's request when asked (only for a recorded span or the access log), which spares every
 * other request the container's work of producing the remote address, the local port and the other strings.
 */
public final class ServletCallRequest implements ServerCall.Request {
    private final HttpServletRequest request;
    private final String method;
    private final String path;

    public ServletCallRequest(HttpServletRequest request) {
        this.request = request;
        this.method = request.getMethod();
        this.path = request.getRequestURI();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String scheme() {
        return request.getScheme();
    }

    @Override
    public String host() {
        return request.getServerName();
    }

    @Override
    public int port() {
        return request.getLocalPort();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String clientAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String protocol() {
        return request.getProtocol();
    }

    @Override
    public String userAgent() {
        return request.getHeader("user-agent");
    }
}

package io.inmesh.spring.internal;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;

/**
 * The HTTP version of a reactive request ({@code HTTP/1.1}, {@code HTTP/2.0}): Spring's {@link ServerHttpRequest}
 * does not say, the server's native request does. Known for Reactor Netty; null for other servers.
 */
public final class ReactiveProtocol {
    private static final boolean NETTY = ClassUtils.isPresent("reactor.netty.http.server.HttpServerRequest",
            ReactiveProtocol.class.getClassLoader());

    private ReactiveProtocol() {
    }

    /** The request's protocol, or null when the server is not one this knows. */
    public static String of(ServerHttpRequest request) {
        if (!NETTY) {
            return null;
        }
        try {
            return Netty.version(ServerHttpRequestDecorator.getNativeRequest(request));
        } catch (IllegalArgumentException e) { // not a request Spring can unwrap
            return null;
        }
    }

    private static final class Netty {
        static String version(Object nativeRequest) {
            return nativeRequest instanceof reactor.netty.http.server.HttpServerRequest
                    ? ((reactor.netty.http.server.HttpServerRequest) nativeRequest).version().text() : null;
        }
    }
}

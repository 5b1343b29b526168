package io.inmesh.spring.internal;

import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;

/**
 * Reads trace-context headers from a servlet request, case-insensitively. {@link #getAll} returns every field of a
 * header in order, so that a propagator can refuse a duplicated {@code traceparent} and combine several
 * {@code tracestate} fields.
 */
public enum ServletHeaderGetter implements TextMapGetter<HttpServletRequest> {
    INSTANCE;

    @Override
    public Iterable<String> keys(HttpServletRequest request) {
        Enumeration<String> names = request.getHeaderNames();
        return names == null ? Collections.emptyList() : Collections.list(names);
    }

    @Override
    public String get(HttpServletRequest request, String key) {
        return request == null ? null : request.getHeader(key);
    }

    @Override
    public Iterator<String> getAll(HttpServletRequest request, String key) {
        if (request == null || request.getHeader(key) == null) {
            return Collections.emptyIterator(); // most requests lack most of these headers: no enumerator then
        }
        Enumeration<String> values = request.getHeaders(key);
        return values == null ? Collections.emptyIterator() : values.asIterator();
    }
}

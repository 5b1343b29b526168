package io.inmesh.spring.internal;

import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * Reads trace-context headers from Spring's {@link HttpHeaders} (a reactive request's), case-insensitively.
 * {@link #getAll} returns every field of a header in order, so that a propagator can refuse a duplicated
 * {@code traceparent} and combine several {@code tracestate} fields.
 */
public enum HttpHeadersGetter implements TextMapGetter<HttpHeaders> {
    INSTANCE;

    @Override
    public Iterable<String> keys(HttpHeaders headers) {
        return headers == null ? Collections.emptyList() : headers.headerNames();
    }

    @Override
    public String get(HttpHeaders headers, String key) {
        return headers == null ? null : headers.getFirst(key);
    }

    @Override
    public Iterator<String> getAll(HttpHeaders headers, String key) {
        if (headers == null) {
            return Collections.emptyIterator();
        }
        List<String> values = headers.get(key);
        return values == null ? Collections.emptyIterator() : values.iterator();
    }
}

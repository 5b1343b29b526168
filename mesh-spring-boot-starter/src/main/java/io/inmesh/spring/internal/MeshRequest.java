package io.inmesh.spring.internal;

import io.inmesh.security.InboundDecision;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request as the application sees it once the mesh allowed it: the decision's request-header changes applied
 * (headers removed, then set, as Envoy's JWT filter does), query parameters it removes (a token sent as one) gone
 * from the query string and the parameters, and the body's bytes counted as the application reads them.
 */
public final class MeshRequest extends HttpServletRequestWrapper {
    private final Map<String, String> set;
    private final Set<String> removed;
    private final Set<String> removedParameters;
    private final AtomicLong bytesRead = new AtomicLong();
    private ServletInputStream input;
    private BufferedReader reader;

    /** True when the decision changes no header: the header methods go straight to the container's request. */
    private final boolean headersAsIs;

    public MeshRequest(HttpServletRequest request, InboundDecision decision) {
        super(request);
        this.headersAsIs = decision.keepsRequestHeaders();
        if (headersAsIs) {
            this.set = Map.of();
            this.removed = Set.of();
        } else {
            this.set = new LinkedHashMap<>();
            decision.setRequestHeaders().forEach((k, v) -> set.put(k.toLowerCase(Locale.ROOT), v));
            this.removed = new LinkedHashSet<>();
            decision.removeRequestHeaders().forEach(h -> removed.add(h.toLowerCase(Locale.ROOT)));
        }
        this.removedParameters = decision.removeQueryParameters().isEmpty() ? Set.of()
                : Set.copyOf(decision.removeQueryParameters());
    }

    /** The bytes of the body the application read. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** The bytes received: the Content-Length when given, else what the application read. */
    public long bytesReceived() {
        long length = getContentLengthLong();
        return Math.max(length, bytesRead.get());
    }

    @Override
    public String getHeader(String name) {
        if (headersAsIs) {
            return super.getHeader(name);
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (set.containsKey(key)) {
            return set.get(key);
        }
        return removed.contains(key) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        if (headersAsIs) {
            return super.getHeaders(name);
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (set.containsKey(key)) {
            return Collections.enumeration(List.of(set.get(key)));
        }
        return removed.contains(key) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        if (headersAsIs) {
            return super.getHeaderNames();
        }
        Set<String> names = new LinkedHashSet<>();
        Enumeration<String> own = super.getHeaderNames();
        if (own != null) {
            while (own.hasMoreElements()) {
                String n = own.nextElement();
                String key = n.toLowerCase(Locale.ROOT);
                if (!removed.contains(key) || set.containsKey(key)) {
                    names.add(n);
                }
            }
        }
        for (String n : set.keySet()) {
            boolean present = names.stream().anyMatch(x -> x.equalsIgnoreCase(n));
            if (!present) {
                names.add(n);
            }
        }
        return Collections.enumeration(names);
    }

    @Override
    public long getDateHeader(String name) {
        if (headersAsIs) {
            return super.getDateHeader(name);
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (set.containsKey(key) || removed.contains(key)) {
            throw new IllegalArgumentException("header " + name + " was changed by the mesh; read it as a string");
        }
        return super.getDateHeader(name);
    }

    @Override
    public int getIntHeader(String name) {
        String value = getHeader(name);
        return value == null ? -1 : Integer.parseInt(value.trim());
    }

    @Override
    public String getQueryString() {
        String query = super.getQueryString();
        if (query == null || removedParameters.isEmpty()) {
            return query;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = ServletInboundRequest.decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!removedParameters.contains(key)) {
                kept.add(pair);
            }
        }
        return kept.isEmpty() ? null : String.join("&", kept);
    }

    @Override
    public String getParameter(String name) {
        return removedParameters.contains(name) ? null : super.getParameter(name);
    }

    @Override
    public String[] getParameterValues(String name) {
        return removedParameters.contains(name) ? null : super.getParameterValues(name);
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (removedParameters.isEmpty()) {
            return super.getParameterMap();
        }
        Map<String, String[]> map = new LinkedHashMap<>(super.getParameterMap());
        map.keySet().removeAll(removedParameters);
        return Collections.unmodifiableMap(map);
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(getParameterMap().keySet());
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (input == null) {
            input = new CountingInput(super.getInputStream(), bytesRead);
        }
        return input;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset;
            try {
                charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            } catch (IllegalArgumentException e) {
                throw new UnsupportedEncodingException(encoding);
            }
            reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
        return reader;
    }

    /** Counts what the application reads, delegating everything else. */
    private static final class CountingInput extends ServletInputStream {
        private final ServletInputStream in;
        private final AtomicLong count;

        CountingInput(ServletInputStream in, AtomicLong count) {
            this.in = in;
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count.addAndGet(n);
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}

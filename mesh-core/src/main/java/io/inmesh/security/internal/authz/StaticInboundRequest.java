package io.inmesh.security.internal.authz;

import io.inmesh.security.InboundRequest;
import io.inmesh.security.SpiffeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link InboundRequest} made of plain values, for {@code mesh authorize} and tests. Immutable; build one with
 * {@link #builder}.
 */
public final class StaticInboundRequest implements InboundRequest {

    private final String method;
    private final String host;
    private final String path;
    private final String query;
    private final Map<String, List<String>> headers;
    private final SpiffeId peer;
    private final String sourceIp;
    private final String destinationIp;
    private final int destinationPort;
    private final String sni;

    private StaticInboundRequest(Builder b) {
        this.method = b.method;
        this.host = b.host;
        this.path = b.path;
        this.query = b.query;
        Map<String, List<String>> h = new LinkedHashMap<>();
        b.headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
        this.headers = Collections.unmodifiableMap(h);
        this.peer = b.peer;
        this.sourceIp = b.sourceIp;
        this.destinationIp = b.destinationIp;
        this.destinationPort = b.destinationPort;
        this.sni = b.sni;
    }

    /** A GET of {@code /} from 127.0.0.1 to 127.0.0.1:80 until set otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** Sets the fields of an {@link StaticInboundRequest}; each setter checks its value. */
    public static final class Builder {
        private String method = "GET";
        private String host;
        private String path = "/";
        private String query;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private SpiffeId peer;
        private String sourceIp = "127.0.0.1";
        private String destinationIp = "127.0.0.1";
        private int destinationPort = 80;
        private String sni;

        private Builder() {
        }

        public Builder method(String method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /** The Host header, possibly with a port; null for none. Also adds the {@code host} header. */
        public Builder host(String host) {
            this.host = host;
            headers.remove("host");
            if (host != null) {
                headers.put("host", new ArrayList<>(List.of(host)));
            }
            return this;
        }

        /** The raw path; a {@code ?} in it starts the query. */
        public Builder path(String pathAndQuery) {
            Objects.requireNonNull(pathAndQuery, "path");
            int q = pathAndQuery.indexOf('?');
            this.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
            this.query = q < 0 ? null : pathAndQuery.substring(q + 1);
            return this;
        }

        /** Adds one value of a header (names are case-insensitive; repeated names keep every value in order). */
        public Builder header(String name, String value) {
            Objects.requireNonNull(value, "value");
            String n = name.toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(n, k -> new ArrayList<>()).add(value);
            if (n.equals("host") && host == null) {
                host = value;
            }
            return this;
        }

        public Builder peer(SpiffeId peer) {
            this.peer = peer;
            return this;
        }

        public Builder sourceIp(String ip) {
            this.sourceIp = ip;
            return this;
        }

        public Builder destinationIp(String ip) {
            this.destinationIp = ip;
            return this;
        }

        public Builder destinationPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 0..65535");
            }
            this.destinationPort = port;
            return this;
        }

        public Builder sni(String sni) {
            this.sni = sni;
            return this;
        }

        public StaticInboundRequest build() {
            return new StaticInboundRequest(this);
        }
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String host() {
        return host;
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
        List<String> v = headers.get(lowerCaseName);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        return headers.getOrDefault(lowerCaseName, List.of());
    }

    @Override
    public SpiffeId peer() {
        return peer;
    }

    @Override
    public String sourceIp() {
        return sourceIp;
    }

    @Override
    public String destinationIp() {
        return destinationIp;
    }

    @Override
    public int destinationPort() {
        return destinationPort;
    }

    @Override
    public String sni() {
        return sni;
    }

    @Override
    public String toString() {
        // the query is not shown: it may carry a token (access_token)
        return method + " " + path + (query == null ? "" : "?(query not shown)") + (host == null ? ""
                : " (host " + host + ")");
    }
}

package io.inmesh.okhttp.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import okhttp3.HttpUrl;

/**
 * What a client's request URLs turn into, kept so that the next request to the same URL reuses it rather than
 * building it again: the URL of a try (scheme, host and port of the chosen endpoint, the rewritten path) and a URL's
 * authority. Direct-mapped tables of a fixed size: memory stays bounded whatever URLs come, a slot holds the last
 * entry that hashed to it, and a miss (or two URLs taking turns in one slot) costs only the rebuild that happened
 * before. Entries are immutable and compared on every input, so a hit is always what a rebuild would give; threads
 * share the tables without locks.
 */
final class UrlCache {
    /** Slots per table (a power of two). */
    static final int SLOTS = 256;

    /** The URL of one try, as {@link #tryUrl} builds it, and its encoded path. */
    static final class TryUrl {
        final HttpUrl original;
        final String scheme;
        final String host;
        final int port;
        final String path;
        final HttpUrl url;
        final String encodedPath;

        TryUrl(HttpUrl original, String scheme, String host, int port, String path, HttpUrl url) {
            this.original = original;
            this.scheme = scheme;
            this.host = host;
            this.port = port;
            this.path = path;
            this.url = url;
            this.encodedPath = url.encodedPath();
        }

        boolean matches(HttpUrl original, String scheme, String host, int port, String path) {
            return this.port == port && this.host.equals(host) && this.scheme.equals(scheme)
                    && this.path.equals(path) && (this.original == original || this.original.equals(original));
        }
    }

    /** The authority of a scheme, host and port. */
    private static final class Authority {
        final String scheme;
        final String host;
        final int port;
        final String value;

        Authority(String scheme, String host, int port, String value) {
            this.scheme = scheme;
            this.host = host;
            this.port = port;
            this.value = value;
        }
    }

    private final AtomicReferenceArray<TryUrl> tryUrls = new AtomicReferenceArray<>(SLOTS);
    private final AtomicReferenceArray<Authority> authorities = new AtomicReferenceArray<>(SLOTS);

    /**
     * {@code original} sent to {@code scheme://host:port} with the encoded path {@code path}: its query, fragment and
     * credentials kept.
     */
    TryUrl tryUrl(HttpUrl original, String scheme, String host, int port, String path) {
        int slot = slot(original.hashCode() * 31 + host.hashCode(), port);
        TryUrl cached = tryUrls.get(slot);
        if (cached != null && cached.matches(original, scheme, host, port, path)) {
            return cached;
        }
        HttpUrl.Builder b = original.newBuilder().scheme(scheme).host(host).port(port);
        if (!path.equals(original.encodedPath())) {
            b.encodedPath(path);
        }
        TryUrl built = new TryUrl(original, scheme, host, port, path, b.build());
        tryUrls.set(slot, built);
        return built;
    }

    /** {@code host}, or {@code host:port} when the port is not the scheme's default; an IPv6 host in brackets. */
    String authority(HttpUrl url) {
        String scheme = url.scheme();
        String host = url.host();
        int port = url.port();
        int slot = slot(host.hashCode(), port);
        Authority cached = authorities.get(slot);
        if (cached != null && cached.port == port && cached.host.equals(host) && cached.scheme.equals(scheme)) {
            return cached.value;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        String value = port == HttpUrl.defaultPort(scheme) ? h : h + ":" + port;
        authorities.set(slot, new Authority(scheme, host, port, value));
        return value;
    }

    private static int slot(int hash, int port) {
        int h = hash * 31 + port;
        h ^= h >>> 16;
        return h & (SLOTS - 1);
    }
}

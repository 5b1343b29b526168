package io.inmesh.security.internal.jwt;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Remote JSON Web Key Sets ({@code jwksUri}, or OpenID discovery from the issuer when a rule names neither
 * {@code jwks} nor {@code jwksUri}), fetched with the JDK's {@link HttpClient} and cached across config snapshots.
 * One cache serves a whole process; {@link JwtAuthenticator}s compiled from successive snapshots share it.
 *
 * <p>Behaviour, following Istio (istiod fetches {@code jwksUri}, refreshes every 20 minutes by default and keeps the
 * last good key set when a refresh fails) and Envoy's remote JWKS ({@code async_fetch}, one second before a failed
 * fetch is retried):
 * <ul>
 *   <li>A request never waits for the network while a usable cached key set exists: a set older than the refresh
 *       interval ({@value #DEFAULT_REFRESH_MINUTES} min) is still used while a background fetch replaces it.</li>
 *   <li>A request that finds no usable set (first use, or the last good set is older than the maximum staleness,
 *       24 h) starts a fetch, or joins the one in flight, and waits for it at most the rule's {@code timeout}
 *       (Istio's default, 5 s). Failing that, the token is rejected: the cache fails closed.</li>
 *   <li>A failed fetch keeps the previous keys; a new attempt starts at the earliest one second later, so a JWKS
 *       server that is down is not hit by every request.</li>
 *   <li>A token whose {@code kid} no cached key has (the issuer rotated its keys) triggers a background refetch, at
 *       most once every {@value #DEFAULT_KID_REFETCH_SECONDS} s per key set; that token is rejected, later ones
 *       signed with the new key verify once the fetch has landed.</li>
 *   <li>Only public RSA (2048 bits or more) and EC (P-256, P-384, P-521) signing keys are kept; a document
 *       without any such key, a status other than 200 or a body over 1 MiB counts as a failed fetch.</li>
 *   <li>A scheduler ({@link Builder#scheduler}) refreshes due key sets every 30 s even without traffic and forgets
 *       sets unused for the maximum staleness.</li>
 * </ul>
 * Time comes from an injected {@link Clock}; waits for a fetch use real time, bounded by the timeout.
 */
public final class JwksCache implements AutoCloseable {
    static final long DEFAULT_REFRESH_MINUTES = 20;
    static final long DEFAULT_KID_REFETCH_SECONDS = 30;
    /** Istio's default wait for a JWKS fetch. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_BODY_BYTES = 1 << 20;
    private static final Duration SCHEDULER_PERIOD = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(JwksCache.class.getName());

    /** Where a key set comes from: a JWKS URL, or an issuer whose OpenID configuration names one. */
    record Source(URI uri, boolean discovery) {
        static Source jwks(URI uri) {
            return new Source(uri, false);
        }

        /** {@code <issuer>/.well-known/openid-configuration}, as OpenID Connect Discovery 1.0 section 4 says. */
        static Source discovery(String issuer) throws URISyntaxException {
            if (!issuer.startsWith("https://") && !issuer.startsWith("http://")) {
                throw new URISyntaxException(issuer, "an issuer without jwks or jwksUri must be an http(s) URL for"
                        + " OpenID discovery");
            }
            String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
            return new Source(new URI(base + "/.well-known/openid-configuration"), true);
        }

        /** For logs: scheme, host, port and path only; a query or user info could carry credentials. */
        @Override
        public String toString() {
            String shown = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?(query not shown)");
            return (discovery ? "OpenID configuration " : "JWKS ") + shown;
        }
    }

    /** Why no key set could be had for a source; the message names the source and the cause. */
    static final class JwksUnavailableException extends Exception {
        JwksUnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    private record KeySet(JWKSet keys, Instant fetchedAt) {
    }

    private final HttpClient http;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Duration refreshInterval;
    private final Duration kidRefetchInterval;
    private final Duration failedRetryInterval;
    private final Duration maxStale;
    private final Map<Source, Entry> entries = new ConcurrentHashMap<>();

    private JwksCache(Builder b) {
        this.clock = b.clock;
        this.http = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        this.refreshInterval = b.refreshInterval;
        this.kidRefetchInterval = b.kidRefetchInterval;
        this.failedRetryInterval = b.failedRetryInterval;
        this.maxStale = b.maxStale;
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownsScheduler = false;
        } else if (b.noScheduler) {
            this.scheduler = null;
            this.ownsScheduler = false;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "inmesh-jwks-refresh");
                t.setDaemon(true);
                return t;
            });
            this.ownsScheduler = true;
        }
        if (scheduler != null) {
            long period = SCHEDULER_PERIOD.toMillis();
            scheduler.scheduleWithFixedDelay(this::refreshDue, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** A cache with the defaults: system clock, its own daemon refresh thread, a default {@link HttpClient}. */
    public static JwksCache create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The clock token lifetimes ({@code exp}, {@code nbf}) are checked against, and key ages measured with. */
    public Clock clock() {
        return clock;
    }

    /**
     * The key set of {@code source}: the cached one when usable (a background refresh starts once it is due), else
     * the result of a fetch waited for at most {@code timeout}.
     */
    JWKSet keys(Source source, Duration timeout) throws JwksUnavailableException {
        Entry e = entries.computeIfAbsent(source, Entry::new);
        Instant now = clock.instant();
        e.lastUsed = now;
        e.timeout = timeout;
        KeySet current = e.current;
        if (current != null && usable(current, now)) {
            if (!now.isBefore(current.fetchedAt().plus(refreshInterval))) {
                e.fetch(now);
            }
            return current.keys();
        }
        CompletableFuture<KeySet> fetch = e.fetch(now);
        if (fetch == null) {
            throw new JwksUnavailableException(source + ": the last fetch failed less than "
                    + failedRetryInterval.toMillis() + " ms ago (" + e.lastError + ")");
        }
        try {
            return fetch.get(timeout.toNanos(), TimeUnit.NANOSECONDS).keys();
        } catch (TimeoutException ex) {
            throw new JwksUnavailableException(source + ": no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException ex) {
            throw new JwksUnavailableException(source + ": " + describe(ex.getCause()));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new JwksUnavailableException(source + ": interrupted while waiting for the fetch");
        }
    }

    /**
     * A token named a key {@code source} does not have: refetch in the background, at most once per kid-refetch
     * interval, so that a rotation at the issuer is picked up without letting every forged kid cause a fetch.
     */
    void unknownKey(Source source) {
        Entry e = entries.get(source);
        if (e == null) {
            return;
        }
        Instant now = clock.instant();
        synchronized (e) {
            if (e.lastKidRefetch != null && now.isBefore(e.lastKidRefetch.plus(kidRefetchInterval))) {
                return;
            }
            e.lastKidRefetch = now;
        }
        e.fetch(now);
    }

    /**
     * Starts background fetches for key sets that are due (older than the refresh interval, or missing) and forgets
     * those unused for the maximum staleness. The scheduler calls this; tests may too.
     */
    public void refreshDue() {
        Instant now = clock.instant();
        for (Entry e : entries.values()) {
            if (e.lastUsed != null && now.isAfter(e.lastUsed.plus(maxStale))) {
                entries.remove(e.source, e);
                continue;
            }
            KeySet current = e.current;
            if (current == null || !now.isBefore(current.fetchedAt().plus(refreshInterval))) {
                e.fetch(now);
            }
        }
    }

    /** When the key set of {@code source} was last fetched successfully, or null. */
    Instant fetchedAt(Source source) {
        Entry e = entries.get(source);
        KeySet k = e == null ? null : e.current;
        return k == null ? null : k.fetchedAt();
    }

    /** Whether a fetch for {@code source} is in flight. */
    boolean fetching(Source source) {
        Entry e = entries.get(source);
        CompletableFuture<KeySet> f = e == null ? null : e.inFlight;
        return f != null && !f.isDone();
    }

    private boolean usable(KeySet k, Instant now) {
        return now.isBefore(k.fetchedAt().plus(maxStale));
    }

    @Override
    public void close() {
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    /** One source's keys and fetch state. */
    private final class Entry {
        final Source source;
        volatile KeySet current;
        volatile CompletableFuture<KeySet> inFlight;
        volatile Instant lastFailure;
        volatile String lastError = "";
        volatile Instant lastKidRefetch;
        volatile Instant lastUsed;
        volatile Duration timeout = DEFAULT_TIMEOUT;

        Entry(Source source) {
            this.source = source;
        }

        /**
         * The fetch in flight, or a new one; null when the last attempt failed less than the retry interval ago.
         */
        synchronized CompletableFuture<KeySet> fetch(Instant now) {
            CompletableFuture<KeySet> f = inFlight;
            if (f != null && !f.isDone()) {
                return f;
            }
            if (lastFailure != null && now.isBefore(lastFailure.plus(failedRetryInterval))) {
                return null;
            }
            f = start();
            inFlight = f;
            return f;
        }

        private CompletableFuture<KeySet> start() {
            Duration t = timeout;
            CompletableFuture<JWKSet> keys;
            if (source.discovery()) {
                keys = get(source.uri(), t).thenCompose(body -> get(jwksUriOf(body), t)).thenApply(JwksCache::parse);
            } else {
                keys = get(source.uri(), t).thenApply(JwksCache::parse);
            }
            // HttpRequest.timeout bounds the wait for the response head; this bounds the body too.
            long bound = t.toMillis() * (source.discovery() ? 2 : 1);
            return keys.orTimeout(bound, TimeUnit.MILLISECONDS).handle((k, err) -> {
                if (err == null) {
                    KeySet ks = new KeySet(k, clock.instant());
                    if (lastFailure != null) {
                        LOG.log(System.Logger.Level.INFO, "{0}: fetched again, {1} keys", source, k.getKeys().size());
                    }
                    current = ks;
                    lastFailure = null;
                    return ks;
                }
                Throwable cause = unwrap(err);
                KeySet previous = current;
                if (lastFailure == null) { // log the first failure of a run, not every retry
                    LOG.log(System.Logger.Level.WARNING, "{0}: fetch failed ({1}); {2}", source, describe(cause),
                            previous == null ? "tokens of this issuer are rejected until a fetch succeeds"
                                    : "keeping the keys fetched at " + previous.fetchedAt());
                }
                lastError = describe(cause);
                lastFailure = clock.instant();
                throw new CompletionException(cause);
            });
        }
    }

    private CompletableFuture<byte[]> get(URI uri, Duration timeout) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri).timeout(timeout).header("accept", "application/json").GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IOException("cannot GET " + uri + ": " + e.getMessage()));
        }
        return http.sendAsync(request, info -> info.statusCode() == 200 ? new LimitedBody(MAX_BODY_BYTES)
                : HttpResponse.BodySubscribers.replacing((byte[]) null)).thenApply(r -> {
                    if (r.statusCode() != 200) {
                        throw new CompletionException(new IOException("GET " + uri + " answered HTTP " + r.statusCode()
                                + "; expected 200"));
                    }
                    return r.body();
                });
    }

    private static URI jwksUriOf(byte[] body) {
        try {
            Map<String, Object> config = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
            String uri = JSONObjectUtils.getString(config, "jwks_uri");
            if (uri == null || !(uri.startsWith("https://") || uri.startsWith("http://"))) {
                throw new CompletionException(new IOException("the OpenID configuration has no http(s) jwks_uri"));
            }
            return new URI(uri);
        } catch (ParseException | URISyntaxException e) {
            throw new CompletionException(new IOException("the OpenID configuration is not valid JSON with a"
                    + " jwks_uri: " + e.getMessage()));
        }
    }

    /** Parses a JWKS document, keeping the keys InMesh verifies with; fails when none is left. */
    static JWKSet parse(byte[] body) {
        try {
            return usableKeys(parseSet(new String(body, StandardCharsets.UTF_8)));
        } catch (ParseException e) {
            throw new CompletionException(new IOException("not a JSON Web Key Set: " + e.getMessage()));
        }
    }

    /** A key set {@code {"keys": [...]}}, or a single key, which Istio's {@code jwks} also accepts. */
    static JWKSet parseSet(String json) throws ParseException {
        Map<String, Object> o = JSONObjectUtils.parse(json);
        return o.containsKey("keys") ? JWKSet.parse(o) : new JWKSet(JWK.parse(o));
    }

    /**
     * The public RSA (at least 2048 bits, RFC 7518 section 3.3) and EC (P-256/384/521) keys meant for signatures
     * ({@code use} absent or {@code sig}). Symmetric ({@code oct}) keys are dropped: a key set is published material,
     * and an HMAC key in it would let anyone who can read it mint tokens.
     */
    static JWKSet usableKeys(JWKSet set) {
        List<JWK> keep = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
                continue;
            }
            if (k instanceof RSAKey rsa && rsa.size() >= 2048) {
                keep.add(rsa.toPublicJWK());
            } else if (k instanceof ECKey ec && EC_CURVES.contains(ec.getCurve())) {
                keep.add(ec.toPublicJWK());
            }
        }
        if (keep.isEmpty()) {
            throw new CompletionException(new IOException("the key set has no usable key: expected RSA keys of 2048"
                    + " bits or more, or EC keys on P-256, P-384 or P-521"));
        }
        return new JWKSet(keep);
    }

    private static final Set<Curve> EC_CURVES = Set.of(Curve.P_256, Curve.P_384, Curve.P_521);

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        t = unwrap(t);
        if (t instanceof TimeoutException || t instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        String m = t.getMessage();
        return m == null || m.isEmpty() ? t.getClass().getSimpleName() : m;
    }

    /** Collects a response body, failing once it grows past a limit. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (out.size() + b.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("the body is larger than " + limit + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }

    /** Settings; every one has a default. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private HttpClient httpClient;
        private ScheduledExecutorService scheduler;
        private boolean noScheduler;
        private Duration refreshInterval = Duration.ofMinutes(DEFAULT_REFRESH_MINUTES);
        private Duration kidRefetchInterval = Duration.ofSeconds(DEFAULT_KID_REFETCH_SECONDS);
        private Duration failedRetryInterval = Duration.ofSeconds(1);
        private Duration maxStale = Duration.ofHours(24);

        private Builder() {
        }

        /** The clock for key ages and token lifetimes (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The client fetches go through (default: a new one that follows redirects except https to http). */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "httpClient");
            return this;
        }

        /**
         * Runs the periodic refresh (every 30 s, {@link #refreshDue()}); the caller keeps ownership. Default: a
         * daemon thread of the cache's own, stopped by {@link #close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            this.noScheduler = false;
            return this;
        }

        /** No periodic refresh: key sets are refreshed only when requests use them (and by explicit calls). */
        public Builder noScheduler() {
            this.scheduler = null;
            this.noScheduler = true;
            return this;
        }

        /** How old a key set gets before a background refresh replaces it (default 20 min, as istiod). */
        public Builder refreshInterval(Duration d) {
            this.refreshInterval = positive(d, "refreshInterval");
            return this;
        }

        /** The least time between two refetches caused by unknown {@code kid}s (default 30 s). */
        public Builder kidRefetchInterval(Duration d) {
            this.kidRefetchInterval = positive(d, "kidRefetchInterval");
            return this;
        }

        /** The least time between a failed fetch and the next attempt (default 1 s, as Envoy's async fetch). */
        public Builder failedRetryInterval(Duration d) {
            this.failedRetryInterval = positive(d, "failedRetryInterval");
            return this;
        }

        /**
         * How long the last good key set stays usable when refreshes keep failing, and how long an unused set is
         * kept (default 24 h). Past it, tokens are rejected until a fetch succeeds.
         */
        public Builder maxStale(Duration d) {
            this.maxStale = positive(d, "maxStale");
            return this;
        }

        public JwksCache build() {
            if (maxStale.compareTo(refreshInterval) < 0) {
                throw new IllegalArgumentException("maxStale " + maxStale + " is shorter than refreshInterval "
                        + refreshInterval + "; expected maxStale >= refreshInterval");
            }
            return new JwksCache(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " " + d + " must be positive");
            }
            return d;
        }
    }
}

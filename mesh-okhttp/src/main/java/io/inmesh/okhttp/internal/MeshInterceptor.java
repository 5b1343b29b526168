package io.inmesh.okhttp.internal;

import io.inmesh.Mesh;
import io.inmesh.security.MeshTls;
import io.inmesh.telemetry.internal.ClientCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.inmesh.traffic.ResponseFlag;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.internal.FaultSpec;
import io.inmesh.traffic.internal.HeaderOps;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.RoutePlan;
import io.inmesh.traffic.internal.Target;
import io.inmesh.traffic.internal.TryFailure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * The mesh's application interceptor: takes the routing decision, answers locally where the mesh does (no route,
 * redirect, direct response, injected abort, overflow, no healthy upstream), and otherwise runs the tries of the
 * retry plan through the rest of the chain, each to an endpoint the cluster's load balancer picked. OkHttp's own
 * connection-failure retries are turned off for these calls, so that the mesh's retry count is the only one.
 */
public final class MeshInterceptor implements Interceptor {
    /** The response header carrying Envoy's response flags. */
    public static final String FLAGS_HEADER = "x-inmesh-response-flags";
    private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");
    private static final MediaType GRPC = MediaType.get("application/grpc");

    private final Mesh mesh;
    private final Mirrors mirrors;
    private final Map<String, Dns> dnsByAddress = new ConcurrentHashMap<>();
    private final ConnectionLifetimes.Pools pools = new ConnectionLifetimes.Pools();
    private final ClientTls clientTls = new ClientTls();
    private final UrlCache urls = new UrlCache();
    private final PeerIds peerIds = new PeerIds();

    public MeshInterceptor(Mesh mesh, Mirrors mirrors) {
        this.mesh = mesh;
        this.mirrors = mirrors;
    }

    /** OkHttp's own bound on follow-ups. */
    private static final int MAX_FOLLOW_UPS = 20;

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        for (int followUps = 0; ; followUps++) {
            Response response = route(chain, request);
            // a local reply carries the caller's request itself; an upstream response carries the try's request
            Request next = response.request() == request && followUps < MAX_FOLLOW_UPS
                    ? meshRedirect(chain, response) : null;
            if (next == null) {
                return response;
            }
            response.close();
            request = next;
        }
    }

    /**
     * The follow-up of a redirect the mesh itself answered (a VirtualService {@code redirect}), when the client
     * follows redirects: a sidecar returns the redirect to the application's client, which follows it through the
     * sidecar again, so the follow-up is routed by the mesh too. OkHttp's rules: 307 and 308 keep the method and
     * body, the others become GET (HEAD stays HEAD); a change of scheme needs {@code followSslRedirects}.
     */
    private static Request meshRedirect(Chain chain, Response response) {
        if (!response.isRedirect() || !chain.getFollowRedirects()) {
            return null;
        }
        String location = response.header("Location");
        HttpUrl url = location == null ? null : response.request().url().resolve(location);
        if (url == null) {
            return null;
        }
        Request request = response.request();
        if (!url.scheme().equals(request.url().scheme()) && !chain.getFollowSslRedirects()) {
            return null;
        }
        Request.Builder b = request.newBuilder().url(url).removeHeader("Host");
        int code = response.code();
        if (code != 307 && code != 308 && !"HEAD".equals(request.method())) {
            b.method("GET", null).removeHeader("Content-Type").removeHeader("Content-Length")
                    .removeHeader("Transfer-Encoding");
        }
        if (!url.host().equals(request.url().host())) {
            b.removeHeader("Authorization");
        }
        return b.build();
    }

    private Response route(Chain chain, Request request) throws IOException {
        OkHttpRequestView view = new OkHttpRequestView(request, urls);
        Mirrors.Copy copy = request.tag(Mirrors.Copy.class);
        MeshCall call = copy != null ? copy.call() : mesh.traffic().start(view);
        ClientCall tel = mesh.telemetry().startClient(copy != null ? copy.parent() : CallerContext.of(chain.call()),
                request.method(), copy != null);
        try {
            Response response = route(chain, request, view, call, tel, copy);
            tel.returned(response.code());
            return response;
        } catch (IOException | RuntimeException | Error e) {
            tel.returned(0);
            // canceled, interrupted, or a bug: the application gets no response; Envoy records status 0
            tel.end(call, 0, call.flags(), requestBytes(request), 0, view.path(), view.logAuthority(), "HTTP/1.1");
            throw e;
        }
    }

    private Response route(Chain chain, Request request, OkHttpRequestView view, MeshCall call, ClientCall tel,
                           Mirrors.Copy copy)
            throws IOException {
        RoutePlan plan = call.plan();
        switch (plan.status) {
            case NO_ROUTE:
                return local(request, view, call, tel, 404, "", null);
            case REDIRECT:
                return local(request, view, call, tel, call.redirectStatus(), "", null).newBuilder()
                        .header("Location", call.redirectLocation()).build();
            case DIRECT_RESPONSE:
                return local(request, view, call, tel, plan.directStatus, null, plan.directBody);
            default:
                break;
        }
        if (call.faultDelayNanos() > 0) {
            tel.faultDelay(call.faultDelayNanos());
            pause(chain, call.faultDelayNanos());
        }
        if (call.faultAbort()) {
            return abort(request, view, call, tel, plan.fault);
        }
        if (copy == null && plan.mirrors.length > 0) {
            for (int i = 0; i < plan.mirrors.length; i++) {
                if (call.mirrorHit(i)) {
                    mirrors.send(request, call, i, tel.parent());
                }
            }
        }
        boolean replayable = request.body() == null || !request.body().isOneShot();
        // each withX copies the chain: only where the value differs (MeshOkHttp turns this off on the client)
        Chain base = chain.getRetryOnConnectionFailure() ? chain.withRetryOnConnectionFailure(false) : chain;
        try {
            while (true) {
                MeshCall.Try t = call.nextTry();
                if (t == null) {
                    return local(request, view, call, tel, call.failureStatus(), call.failureDetail(), null);
                }
                Response response;
                try {
                    response = proceed(base, request, call, t, tel);
                } catch (IOException e) {
                    endTry(tel, call, view, t, 0, call.flags(), e, null);
                    t.release();
                    if (chain.call().isCanceled()) {
                        throw e;
                    }
                    TryFailure failure = classify(e);
                    boolean canReplay = replayable || failure == TryFailure.CONNECT_FAILURE;
                    if (call.onFailure(t, failure, canReplay) == MeshCall.Next.RETRY) {
                        pause(chain, call.backoffNanos());
                        continue;
                    }
                    String detail = failure == TryFailure.TLS_FAILURE && e.getMessage() != null
                            ? call.failureDetail() + ": " + e.getMessage() : call.failureDetail();
                    return failed(request, view, call, tel, detail);
                } catch (RuntimeException | Error e) {
                    endTry(tel, call, view, t, 0, call.flags(), e, null);
                    t.release();
                    throw e;
                }
                endTry(tel, call, view, t, response.code(), call.flags(), null, response);
                MeshCall.Next next;
                try {
                    next = call.onResponse(t, response.code(), grpcStatus(response),
                            response.header("x-envoy-ratelimited") != null, replayable);
                } catch (RuntimeException | Error e) {
                    response.close();
                    t.release();
                    throw e;
                }
                if (next == MeshCall.Next.RETRY) {
                    response.close();
                    t.release();
                    pause(chain, call.backoffNanos());
                    continue;
                }
                return finish(response, call, t, tel, request, view);
            }
        } finally {
            call.abandon(); // a retry permit taken for a retry that did not happen (canceled, interrupted, error)
        }
    }

    /**
     * Sends one try: the request rebuilt for the chosen endpoint (mutual TLS or TLS origination as the destination
     * asks), with the try's time limits and pool.
     */
    private Response proceed(Chain base, Request request, MeshCall call, MeshCall.Try t, ClientCall tel)
            throws IOException {
        ClientTls.Plan tlsPlan = clientTls.plan(mesh, call, t);
        MeshTls.ClientSide side = null;
        Request tryRequest;
        Chain c = base;
        switch (tlsPlan.kind()) {
            case MESH_MTLS: {
                // the server is checked by its SPIFFE ID (MeshTls's trust manager), so the URL may name the address
                tryRequest = tryRequest(request, call, t, "https", t.address, tel, true, urls);
                // the verifier checks no name but refuses a session resumed with a server certificate that has
                // expired since its first handshake (and retires the side before that can happen)
                side = mesh.tls().clientSide(tlsPlan.expected());
                c = withTls(c, side.socketFactory(), mesh.tls().trustManager(), side.hostnameVerifier());
                break;
            }
            case ORIGINATE:
                // TLS verifies the server's name: the URL keeps it and DNS answers with the endpoint's address
                tryRequest = tryRequest(request, call, t, "https", tlsPlan.serverName(), tel, false, urls);
                c = withDns(withTls(c, tlsPlan.factory(), tlsPlan.trustManager(), tlsPlan.verifier()),
                        dnsFor(t.address));
                break;
            default: {
                boolean keepName = request.isHttps() && !t.address.equals(request.url().host());
                tryRequest = tryRequest(request, call, t, request.url().scheme(),
                        keepName ? request.url().host() : t.address, tel, false, urls);
                if (keepName) {
                    c = withDns(c, dnsFor(t.address));
                }
                break;
            }
        }
        ConnectionPool pool = pools.poolFor(t.policy());
        if (pool != null && c.getConnectionPool() != pool) {
            c = c.withConnectionPool(pool);
        }
        ConnectionLifetimes.Limits limits = ConnectionLifetimes.Limits.of(t.policy());
        if (limits != null) {
            tryRequest = tryRequest.newBuilder().tag(ConnectionLifetimes.Limits.class, limits).build();
        }
        int tryMs = t.timeoutNanos <= 0 ? 0
                : (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(t.timeoutNanos)));
        int connectMs = connectTimeoutMillis(t);
        if (connectMs == 0) {
            connectMs = c.connectTimeoutMillis();
        }
        if (tryMs > 0) {
            connectMs = connectMs == 0 ? tryMs : Math.min(connectMs, tryMs);
            if (c.readTimeoutMillis() != tryMs) {
                c = c.withReadTimeout(tryMs, TimeUnit.MILLISECONDS);
            }
            if (c.writeTimeoutMillis() != tryMs) {
                c = c.withWriteTimeout(tryMs, TimeUnit.MILLISECONDS);
            }
        }
        if (connectMs != c.connectTimeoutMillis()) {
            c = c.withConnectTimeout(connectMs, TimeUnit.MILLISECONDS);
        }
        return send(c, tryRequest, call, t, side, tlsPlan);
    }

    /** How many times a GET is sent again because it met a pooled connection the server had closed. */
    static final int MAX_STALE_CONNECTION_RESENDS = 8;

    /** A send on a connection the server had closed fails at once; one that fails later met something else. */
    static final long STALE_CONNECTION_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Sends a try's request, and sends it again where nothing reached the application and Envoy would not have
     * failed (neither counts as a retry of the policy, nor as a failure of the endpoint):
     * <ul>
     *   <li>a GET without a body that failed within a second, before any response, because its HTTP/1 connection,
     *       taken from the pool, was closed (end of stream, connection reset): the server had closed it while it sat
     *       there (OkHttp checks pooled connections thoroughly only before other methods, and only after 10 s idle),
     *       or, which the mesh cannot tell apart, while handling the GET, which is safe to repeat. The failed
     *       connection leaves the pool and the GET goes out on the next one, at most
     *       {@link #MAX_STALE_CONNECTION_RESENDS} times (a pool can hold several closed connections after a restart)
     *       and not past the route's timeout; OkHttp's follow-up interceptor shows each resend as a span with
     *       {@code http.request.resend_count};</li>
     *   <li>a mesh mTLS connection whose resumed TLS session the side's verifier refused (a server certificate that
     *       expired since its first handshake; the side is retired): once more, on a new connection of the new side,
     *       whose full handshake sees the server's current certificate.</li>
     * </ul>
     */
    private Response send(Chain c, Request tryRequest, MeshCall call, MeshCall.Try t, MeshTls.ClientSide side,
                          ClientTls.Plan tlsPlan) throws IOException {
        PooledConnectionUse use = null;
        if (tryRequest.body() == null && "GET".equals(tryRequest.method())) {
            use = c.call().tag(PooledConnectionUse.class, PooledConnectionUse::new);
            if (!use.listening) { // the call's first GET try: whatever listeners the client has
                use.listening = true;
                c.call().addEventListener(PooledConnectionUse.LISTENER);
            }
        }
        boolean newSide = false;
        for (int resends = 0; ; resends++) {
            if (use != null) {
                use.reset();
            }
            long sent = System.nanoTime();
            try {
                return c.proceed(tryRequest);
            } catch (SSLPeerUnverifiedException e) {
                MeshTls.ClientSide fresh = side == null || newSide ? null : mesh.tls().clientSide(tlsPlan.expected());
                if (fresh == null || fresh == side) {
                    throw e;
                }
                side = fresh;
                newSide = true;
                c = withTls(c, fresh.socketFactory(), mesh.tls().trustManager(), fresh.hostnameVerifier());
                t.resent(false);
            } catch (IOException e) {
                if (use == null || !use.wasPooled() || resends >= MAX_STALE_CONNECTION_RESENDS
                        || System.nanoTime() - sent > STALE_CONNECTION_FAILURE_NANOS || call.remainingNanos() <= 0
                        || c.call().isCanceled() || Thread.currentThread().isInterrupted() || !closedConnection(e)) {
                    throw e;
                }
                t.resent(true);
            }
        }
    }

    /**
     * Whether {@code e} says the connection was closed under the request (the end of the stream where a response
     * should start, a reset, a broken pipe), and nothing else: not a timeout, an interruption or a malformed response.
     */
    static boolean closedConnection(IOException e) {
        boolean closed = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof java.net.ProtocolException
                    || t instanceof SSLException) {
                return false;
            }
            if (t instanceof java.io.EOFException
                    || (t instanceof java.net.SocketException && !(t instanceof ConnectException))) {
                closed = true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return closed;
    }

    /**
     * {@code c} with the TLS socket factory and trust manager, and the host name verifier unless null (OkHttp's
     * own then stays). Each {@code withX} copies the chain (and setting the socket factory builds a certificate chain
     * cleaner), so only what differs from the chain's is set.
     */
    private static Chain withTls(Chain c, SSLSocketFactory factory, X509TrustManager trustManager,
                                 HostnameVerifier verifier) {
        if (c.getSslSocketFactoryOrNull() != factory || c.getX509TrustManagerOrNull() != trustManager) {
            c = c.withSslSocketFactory(factory, trustManager);
        }
        if (verifier != null && c.getHostnameVerifier() != verifier) {
            c = c.withHostnameVerifier(verifier);
        }
        return c;
    }

    private static Chain withDns(Chain c, Dns dns) {
        return c.getDns() == dns ? c : c.withDns(dns);
    }

    /**
     * For an {@code https} URL sent to a chosen endpoint: the URL keeps its host (TLS verifies the server's name
     * against it) and DNS answers with the endpoint's address. One {@link Dns} per address, so that OkHttp's
     * connection pool, which tells addresses apart by their Dns, reuses connections.
     */
    private Dns dnsFor(String address) {
        Dns dns = dnsByAddress.get(address);
        if (dns == null) {
            dns = hostname -> Dns.SYSTEM.lookup(address);
            if (dnsByAddress.size() < 4096) {
                Dns prev = dnsByAddress.putIfAbsent(address, dns);
                if (prev != null) {
                    dns = prev;
                }
            }
        }
        return dns;
    }

    private static int connectTimeoutMillis(MeshCall.Try t) {
        var pool = t.policy().connectionPool();
        if (pool == null || pool.tcp() == null || pool.tcp().connectTimeout() == null) {
            return 0;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, pool.tcp().connectTimeout().toMillis()));
    }

    /**
     * The request for one try: to the chosen endpoint, with the route's rewrites and header operations, and the
     * try's trace context (its span started here, ended by the caller through {@link ClientCall#lastTry()}).
     */
    static Request tryRequest(Request original, MeshCall call, MeshCall.Try t, String scheme, String urlHost,
                              ClientCall tel, boolean meshMtls, UrlCache urls) {
        HttpUrl url = original.url();
        UrlCache.TryUrl tryUrl = urls.tryUrl(url, scheme, urlHost, t.port, call.path());
        Request.Builder b = original.newBuilder().url(tryUrl.url);
        if (tel != null) {
            b.tag(FollowUps.Trace.class, new FollowUps.Trace(tel, call, t, meshMtls, url.host(), url.port()));
        }
        b.header("Host", call.authority());
        if (tel != null) {
            ClientCall.Try span = tel.startTry(call, t, meshMtls, scheme, urlHost, t.port, tryUrl.encodedPath,
                    url.host(), url.port());
            tel.inject(span, b, SETTER);
            String offer = meshMtls ? tel.peerMetadataOffer() : null;
            if (offer != null) {
                b.header(TelemetryPlane.PEER_HEADER, offer);
            } else {
                b.removeHeader(TelemetryPlane.PEER_HEADER);
            }
        }
        // Envoy applies the more specific operations first, so the route's win over the destination's
        Target target = call.target();
        if (target != null) {
            apply(b, target.requestHeaders);
        }
        apply(b, call.plan().requestHeaders);
        return b.build();
    }

    private static void apply(Request.Builder b, HeaderOps ops) {
        if (ops.isEmpty()) {
            return;
        }
        for (String name : ops.remove) {
            b.removeHeader(name);
        }
        for (int i = 0; i < ops.setNames.length; i++) {
            b.header(ops.setNames[i], ops.setValues[i]);
        }
        for (int i = 0; i < ops.addNames.length; i++) {
            b.addHeader(ops.addNames[i], ops.addValues[i]);
        }
    }

    private static void apply(Response.Builder b, HeaderOps ops) {
        if (ops.isEmpty()) {
            return;
        }
        for (String name : ops.remove) {
            b.removeHeader(name);
        }
        for (int i = 0; i < ops.setNames.length; i++) {
            b.header(ops.setNames[i], ops.setValues[i]);
        }
        for (int i = 0; i < ops.addNames.length; i++) {
            b.addHeader(ops.addNames[i], ops.addValues[i]);
        }
    }

    private static final TextMapSetter<Request.Builder> SETTER = (b, name, value) -> {
        if (b != null) {
            b.header(name, value);
        }
    };

    private static long requestBytes(Request request) {
        if (request.body() == null) {
            return 0;
        }
        try {
            return Math.max(0, request.body().contentLength());
        } catch (IOException e) {
            return 0;
        }
    }

    private static String protocol(Response response) {
        switch (response.protocol()) {
            case HTTP_2:
            case H2_PRIOR_KNOWLEDGE:
                return "HTTP/2";
            case HTTP_1_0:
                return "HTTP/1.0";
            default:
                return "HTTP/1.1";
        }
    }

    /** Ends the try's span with the response's status, or the error; the server's SPIFFE ID when mesh mTLS. */
    private void endTry(ClientCall tel, MeshCall call, OkHttpRequestView view, MeshCall.Try t, int status, int flags,
                        Throwable error, Response response) {
        // a try that failed before its request was built (TLS set-up) gets its span now
        ClientCall.Try span = tel.spanOf(call, t, view.scheme(), view.host(), view.port(), view.path());
        String peer = null;
        if (response != null && response.handshake() != null && response.request().isHttps()) {
            peer = peerIds.of(response.handshake());
        }
        span.end(status, flags, error, peer);
    }

    /** The local reply after the last try failed (its span was ended with the failure). */
    private static Response failed(Request request, OkHttpRequestView view, MeshCall call, ClientCall tel,
                                   String detail) {
        Response r = localResponse(request, call, call.failureStatus(), detail, null);
        tel.end(call, r.code(), call.flags(), requestBytes(request), r.body().contentLength(), view.path(),
                view.logAuthority(), "HTTP/1.1");
        return r;
    }

    /** The caller's response: response header operations, flags, a generated hash cookie; releases the try on close. */
    private Response finish(Response response, MeshCall call, MeshCall.Try t, ClientCall tel, Request request,
                            OkHttpRequestView view) {
        Response.Builder b = response.newBuilder();
        Target target = call.target();
        if (target != null) {
            apply(b, target.responseHeaders);
        }
        apply(b, call.plan().responseHeaders);
        if (call.flags() != 0) {
            b.header(FLAGS_HEADER, ResponseFlag.format(call.flags()));
        }
        String cookie = call.setCookieHeader();
        if (cookie != null) {
            b.addHeader("Set-Cookie", cookie);
        }
        String peer = response.header(TelemetryPlane.PEER_HEADER);
        if (peer != null) {
            b.removeHeader(TelemetryPlane.PEER_HEADER);
            tel.peerMetadata(peer);
        }
        ResponseBody body = response.body();
        String path = view.path();
        String authority = view.logAuthority();
        b.body(new ReleasingBody(body, t, bytes -> tel.end(call, response.code(), call.flags(),
                requestBytes(request), bytes, path, authority, protocol(response))));
        return b.build();
    }

    /** A locally generated answer, as Envoy's local replies: status, text body, response flags. */
    /** A local reply, with its span, metrics and access log line. */
    private static Response local(Request request, OkHttpRequestView view, MeshCall call, ClientCall tel, int status,
                                  String text, byte[] bytes) {
        Response r = localResponse(request, call, status, text, bytes);
        tel.localReply(call, view.scheme(), view.host(), view.port(), view.path(), status);
        tel.end(call, status, call.flags(), requestBytes(request), r.body().contentLength(), view.path(),
                view.logAuthority(), "HTTP/1.1");
        return r;
    }

    private static Response localResponse(Request request, MeshCall call, int status, String text, byte[] bytes) {
        byte[] content = bytes != null ? bytes : text == null ? new byte[0]
                : text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Response.Builder b = new Response.Builder().request(request).protocol(Protocol.HTTP_1_1).code(status)
                .message(reason(status))
                .body(ResponseBody.create(content, content.length == 0 && bytes == null ? null : TEXT));
        if (call.flags() != 0) {
            b.header(FLAGS_HEADER, ResponseFlag.format(call.flags()));
        }
        if (status != 404 || call.plan().status != RouteStatus.NO_ROUTE) {
            apply(b, call.plan().responseHeaders);
        }
        return b.build();
    }

    private static Response abort(Request request, OkHttpRequestView view, MeshCall call, ClientCall tel,
                                  FaultSpec fault) {
        if (fault.abortHttpStatus != 0) {
            return local(request, view, call, tel, fault.abortHttpStatus, "fault filter abort", null);
        }
        tel.localReply(call, view.scheme(), view.host(), view.port(), view.path(), 200);
        tel.end(call, 200, call.flags(), requestBytes(request), 0, view.path(), view.logAuthority(), "HTTP/1.1");
        return new Response.Builder().request(request).protocol(Protocol.HTTP_1_1).code(200).message("OK")
                .header("content-type", "application/grpc")
                .header("grpc-status", Integer.toString(fault.abortGrpcStatus))
                .header("grpc-message", "fault filter abort")
                .header(FLAGS_HEADER, ResponseFlag.format(call.flags()))
                .body(ResponseBody.create(new byte[0], GRPC)).build();
    }

    private static int grpcStatus(Response response) {
        String s = response.header("grpc-status");
        if (s == null) {
            return -1;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** How a try failed, in the retry policy's terms. */
    static TryFailure classify(IOException e) {
        if (e instanceof SSLException) {
            return TryFailure.TLS_FAILURE;
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException) {
            return TryFailure.CONNECT_FAILURE;
        }
        if (e instanceof SocketTimeoutException) {
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            return m.contains("connect") ? TryFailure.CONNECT_FAILURE : TryFailure.TIMEOUT;
        }
        if (e instanceof StreamResetException && ((StreamResetException) e).errorCode == ErrorCode.REFUSED_STREAM) {
            return TryFailure.REFUSED_STREAM;
        }
        if (e instanceof InterruptedIOException && "timeout".equals(e.getMessage())) {
            return TryFailure.TIMEOUT;
        }
        return TryFailure.RESET;
    }

    /** Waits {@code nanos} (fault delay, back-off), giving up early when the call is canceled. */
    private static void pause(Chain chain, long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        try {
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                if (chain.call().isCanceled()) {
                    throw new IOException("Canceled");
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a fault delay or retry back-off");
        }
    }

    private static String reason(int status) {
        switch (status) {
            case 200:
                return "OK";
            case 301:
                return "Moved Permanently";
            case 302:
                return "Found";
            case 303:
                return "See Other";
            case 307:
                return "Temporary Redirect";
            case 308:
                return "Permanent Redirect";
            case 400:
                return "Bad Request";
            case 403:
                return "Forbidden";
            case 404:
                return "Not Found";
            case 429:
                return "Too Many Requests";
            case 500:
                return "Internal Server Error";
            case 502:
                return "Bad Gateway";
            case 503:
                return "Service Unavailable";
            case 504:
                return "Gateway Timeout";
            default:
                return "";
        }
    }

    /**
     * A response body that gives back the try's permits when it is closed, and then reports the bytes read
     * (telemetry: the request is done).
     */
    private static final class ReleasingBody extends ResponseBody {
        private final ResponseBody delegate;
        private final BufferedSource source;

        ReleasingBody(ResponseBody delegate, MeshCall.Try t, java.util.function.LongConsumer onClose) {
            this.delegate = delegate;
            this.source = Okio.buffer(new ForwardingSource(delegate.source()) {
                private long bytes;

                @Override
                public long read(okio.Buffer sink, long byteCount) throws IOException {
                    long n = super.read(sink, byteCount);
                    if (n > 0) {
                        bytes += n;
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        t.release();
                        onClose.accept(bytes);
                    }
                }
            });
        }

        @Override
        public MediaType contentType() {
            return delegate.contentType();
        }

        @Override
        public long contentLength() {
            return delegate.contentLength();
        }

        @Override
        public BufferedSource source() {
            return source;
        }
    }

}

package io.inmesh.spring.internal.client;

import io.inmesh.spring.internal.OtelContextAccessor;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.HttpCookie;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import org.springframework.http.client.reactive.AbstractClientHttpResponse;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

/**
 * Spring's reactive {@link ClientHttpConnector} (for {@code WebClient}) over an {@link OkHttpClient}: with the
 * mesh's client, every exchange goes through the mesh's interceptor, the same core as the blocking clients.
 *
 * <ul>
 *   <li>The call is asynchronous ({@code enqueue}); canceling the response {@code Mono} before the response
 *       arrived cancels the OkHttp call.</li>
 *   <li>The request body is collected from its {@link DataBuffer}s (each released once copied) and sent as a
 *       replayable body, so that the mesh can retry and mirror the request.</li>
 *   <li>The response body is a {@code Flux<DataBuffer>} read from the connection on demand (backpressure: a chunk
 *       of up to {@value #CHUNK} bytes per requested buffer). OkHttp's reads block, so they run on a scheduler of
 *       their own (by default {@link #BODY_READERS}: a thread while a read waits for data, idle threads let go
 *       after a minute, as OkHttp's own dispatcher does), never on the thread that asked (an event loop) nor on
 *       Reactor's boundedElastic, whose cap long-lived streams would use up. The response is closed when the body
 *       completes, fails or is canceled; canceling mid-body also cancels the call, which unblocks a read in
 *       progress.</li>
 *   <li>The caller's OpenTelemetry context reaches the mesh: the context current when the exchange is subscribed,
 *       else the one the starter's WebFlux filter put into the Reactor context
 *       ({@link OtelContextAccessor#KEY}), is current while the call is enqueued, which is when the mesh's OkHttp
 *       adapter captures it.</li>
 *   <li>OkHttp's dispatcher runs at most 5 asynchronous calls per host by default; the connector uses the client
 *       with a dispatcher of its own allowing {@value #MAX_REQUESTS} (or the client's, when higher), and leaves
 *       concurrency limits to the mesh's DestinationRule connection pool, as Envoy would. Everything else
 *       (interceptors, connection pool, event listeners, TLS) is the given client's.</li>
 * </ul>
 */
public final class OkHttpClientHttpConnector implements ClientHttpConnector {
    /** Asynchronous calls in flight (until their response headers arrive), per host and in all. */
    static final int MAX_REQUESTS = 1024;
    /** The most bytes one response-body buffer carries. */
    static final int CHUNK = 8192;

    /**
     * Where response bodies are read by default: daemon threads named {@code inmesh-body-reader-N}, as many as
     * there are reads waiting for data, each let go after a minute idle.
     */
    public static final Scheduler BODY_READERS = Schedulers.fromExecutorService(bodyReaders(), "inmesh-body-reader");

    private final OkHttpClient client;
    private final DataBufferFactory bufferFactory;
    private final Scheduler readScheduler;

    /** A connector over {@code client}, with heap buffers, reading response bodies on {@link #BODY_READERS}. */
    public OkHttpClientHttpConnector(OkHttpClient client) {
        this(client, DefaultDataBufferFactory.sharedInstance, BODY_READERS);
    }

    private static ExecutorService bodyReaders() {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "inmesh-body-reader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A connector over {@code client}: buffers from {@code bufferFactory}, bodies read on {@code readScheduler}. */
    public OkHttpClientHttpConnector(OkHttpClient client, DataBufferFactory bufferFactory, Scheduler readScheduler) {
        this.client = withDispatcher(Objects.requireNonNull(client, "client"));
        this.bufferFactory = Objects.requireNonNull(bufferFactory, "bufferFactory");
        this.readScheduler = Objects.requireNonNull(readScheduler, "readScheduler");
    }

    /** The client calls go through (the given one, with this connector's dispatcher). */
    public OkHttpClient client() {
        return client;
    }

    private static OkHttpClient withDispatcher(OkHttpClient client) {
        Dispatcher given = client.dispatcher();
        if (given.getMaxRequests() >= MAX_REQUESTS && given.getMaxRequestsPerHost() >= MAX_REQUESTS) {
            return client;
        }
        Dispatcher own = new Dispatcher();
        own.setMaxRequests(Math.max(MAX_REQUESTS, given.getMaxRequests()));
        own.setMaxRequestsPerHost(Math.max(MAX_REQUESTS, given.getMaxRequestsPerHost()));
        return client.newBuilder().dispatcher(own).build();
    }

    @Override
    public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
                                            Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
        return Mono.deferContextual(view -> {
            Context caller = callerContext(view);
            OkHttpRequest request = new OkHttpRequest(method, uri, bufferFactory);
            return requestCallback.apply(request)
                    .then(Mono.defer(() -> request.isCommitted() ? Mono.<Void>empty() : request.setComplete()))
                    .then(Mono.defer(() -> exchange(request.toOkHttp(), caller)));
        });
    }

    /** The context the exchange runs in: the current one, else the one the reactive chain carries. */
    private static Context callerContext(ContextView view) {
        Context current = Context.current();
        if (current != Context.root()) {
            return current;
        }
        Object carried = view.getOrDefault(OtelContextAccessor.KEY, null);
        return carried instanceof Context ? (Context) carried : current;
    }

    private Mono<ClientHttpResponse> exchange(Request request, Context caller) {
        return Mono.<ClientHttpResponse>create(sink -> {
            Call call = client.newCall(request);
            AtomicBoolean canceled = new AtomicBoolean();
            sink.onCancel(() -> {
                canceled.set(true);
                call.cancel();
            });
            try (Scope ignored = caller.makeCurrent()) {
                call.enqueue(new Callback() {
                    @Override
                    public void onFailure(Call c, IOException e) {
                        if (!canceled.get()) { // the failure of a call canceled by the subscriber is nobody's
                            sink.error(e);
                        }
                    }

                    @Override
                    public void onResponse(Call c, Response response) {
                        OkHttpResponse r;
                        try {
                            r = OkHttpResponse.of(response, c, bufferFactory, readScheduler);
                        } catch (IOException e) {
                            response.close();
                            onFailure(c, e);
                            return;
                        }
                        sink.success(r);
                        if (canceled.get()) {
                            r.body.close(); // canceled before it could be delivered
                        }
                    }
                });
            }
        }).doOnDiscard(OkHttpResponse.class, r -> r.body.close());
    }

    /** The request: headers and cookies as Spring set them, the body collected when it is written. */
    private static final class OkHttpRequest extends AbstractClientHttpRequest {
        private final HttpMethod method;
        private final URI uri;
        private final DataBufferFactory bufferFactory;
        private volatile byte[] body;
        private volatile Request built;

        OkHttpRequest(HttpMethod method, URI uri, DataBufferFactory bufferFactory) {
            this.method = method;
            this.uri = uri;
            this.bufferFactory = bufferFactory;
        }

        @Override
        public HttpMethod getMethod() {
            return method;
        }

        @Override
        public URI getURI() {
            return uri;
        }

        @Override
        public DataBufferFactory bufferFactory() {
            return bufferFactory;
        }

        /** The OkHttp request, once the exchange built it; null before. */
        @Override
        @SuppressWarnings("unchecked")
        public <T> T getNativeRequest() {
            return (T) built;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return doCommit(() -> collect(body).doOnNext(bytes -> this.body = bytes).then());
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return writeWith(Flux.from(body).concatMap(Flux::from));
        }

        @Override
        public Mono<Void> setComplete() {
            return doCommit();
        }

        @Override
        protected void applyHeaders() {
            // read when the OkHttp request is built
        }

        @Override
        protected void applyCookies() {
            MultiValueMap<String, org.springframework.http.HttpCookie> cookies = getCookies();
            if (cookies.isEmpty()) {
                return;
            }
            StringBuilder header = new StringBuilder();
            cookies.forEach((name, values) -> {
                for (org.springframework.http.HttpCookie cookie : values) {
                    if (header.length() > 0) {
                        header.append("; ");
                    }
                    header.append(cookie.getName()).append('=').append(cookie.getValue());
                }
            });
            getHeaders().add(HttpHeaders.COOKIE, header.toString());
        }

        Request toOkHttp() {
            Request r = OkHttpMessages.request(method, uri, getHeaders(), body);
            built = r;
            return r;
        }

        /** The bytes of the body's buffers, each released once copied (and any dropped on the way). */
        private static Mono<byte[]> collect(Publisher<? extends DataBuffer> body) {
            return Flux.<DataBuffer>from(body)
                    .collect(ByteArrayOutputStream::new, (out, buffer) -> {
                        try {
                            byte[] bytes = new byte[buffer.readableByteCount()];
                            buffer.read(bytes);
                            out.write(bytes, 0, bytes.length);
                        } finally {
                            DataBufferUtils.release(buffer);
                        }
                    })
                    .map(ByteArrayOutputStream::toByteArray)
                    .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
        }
    }

    /** The response: status, headers and cookies read once; the body streamed on demand. */
    private static final class OkHttpResponse extends AbstractClientHttpResponse {
        final Body body;

        private OkHttpResponse(HttpStatusCode status, HttpHeaders headers,
                               MultiValueMap<String, ResponseCookie> cookies, Body body,
                               Flux<DataBuffer> content) {
            super(status, headers, cookies, content);
            this.body = body;
        }

        /**
         * The response, on OkHttp's dispatcher thread. A body of known length up to {@value #CHUNK} bytes is read
         * here, where blocking is allowed, so that it is emitted without handing over to a reader thread (it mostly
         * came in the same packets as the headers).
         */
        static OkHttpResponse of(Response response, Call call, DataBufferFactory factory, Scheduler scheduler)
                throws IOException {
            HttpHeaders headers = OkHttpMessages.headers(response.headers());
            Body body = new Body(response, call);
            long length = response.body().contentLength();
            boolean inMemory = length >= 0 && length <= CHUNK && response.body().source().request(length);
            return new OkHttpResponse(HttpStatusCode.valueOf(response.code()), headers, cookies(headers), body,
                    body.content(factory, inMemory ? null : scheduler));
        }
    }

    /** The response body of one call, closed once. */
    private static final class Body {
        private final Response response;
        private final Call call;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean aborted;

        Body(Response response, Call call) {
            this.response = response;
            this.call = call;
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                response.close();
            }
        }

        /** The subscriber canceled mid-body: cancel the call, which unblocks a read in progress. */
        void abort() {
            if (!closed.get()) {
                aborted = true;
                call.cancel();
            }
        }

        /**
         * One buffer per demand, read on {@code scheduler} (on the subscriber's thread when null: the body is in
         * memory); the response closed when the body ends, fails or is canceled (by the generator's clean-up, which
         * never runs while a read is in progress).
         */
        Flux<DataBuffer> content(DataBufferFactory factory, Scheduler scheduler) {
            Flux<DataBuffer> content = Flux.<DataBuffer, BufferedSource>generate(() -> response.body().source(), (source, sink) -> {
                try {
                    Buffer chunk = new Buffer();
                    long n = source.read(chunk, CHUNK);
                    if (n < 0) {
                        sink.complete();
                    } else {
                        sink.next(factory.wrap(chunk.readByteArray()));
                    }
                } catch (IOException e) {
                    if (aborted) {
                        sink.complete(); // the subscriber is gone; the failure is the cancellation's
                    } else {
                        sink.error(e);
                    }
                }
                return source;
            }, source -> close()).doOnCancel(this::abort);
            return scheduler == null ? content : content.subscribeOn(scheduler);
        }
    }

    /** The response's {@code Set-Cookie} headers; a malformed one is skipped, as browsers do. */
    static MultiValueMap<String, ResponseCookie> cookies(HttpHeaders headers) {
        MultiValueMap<String, ResponseCookie> cookies = new LinkedMultiValueMap<>();
        List<String> values = headers.get(HttpHeaders.SET_COOKIE);
        if (values == null) {
            return cookies;
        }
        for (String header : values) {
            List<HttpCookie> parsed;
            try {
                parsed = HttpCookie.parse(header);
            } catch (IllegalArgumentException e) {
                continue;
            }
            String sameSite = attribute(header, "samesite");
            for (HttpCookie c : parsed) {
                cookies.add(c.getName(), ResponseCookie.fromClientResponse(c.getName(), c.getValue())
                        .domain(c.getDomain()).path(c.getPath()).maxAge(c.getMaxAge()).secure(c.getSecure())
                        .httpOnly(c.isHttpOnly()).sameSite(sameSite).build());
            }
        }
        return cookies;
    }

    /** The value of a cookie attribute (lower-case name) in a {@code Set-Cookie} header, or null. */
    private static String attribute(String header, String name) {
        String[] parts = header.split(";");
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            if (key.equals(name)) {
                return eq < 0 ? "" : part.substring(eq + 1).trim();
            }
        }
        return null;
    }
}

package io.inmesh.spring;

import io.inmesh.Mesh;
import io.inmesh.security.InboundDecision;
import io.inmesh.spring.internal.HttpHeadersGetter;
import io.inmesh.spring.internal.OtelContextAccessor;
import io.inmesh.spring.internal.ReactiveInboundRequest;
import io.inmesh.spring.internal.ReactiveProtocol;
import io.inmesh.spring.internal.ReactorContextPropagation;
import io.inmesh.telemetry.internal.SemConv;
import io.inmesh.telemetry.internal.ServerCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.SignalType;
import reactor.util.context.ContextView;

/**
 * The mesh's inbound side for WebFlux applications, the reactive twin of {@link MeshServerFilter}. For each request
 * it
 * <ol>
 *   <li>starts the telemetry: extracts the trace context from the headers and starts the server span, or, when
 *       Spring's own observation (WebFlux's {@code HttpWebHandlerAdapter} with Micrometer Tracing) already started a
 *       server span for the exchange, enriches that one instead, so there is exactly one server span;</li>
 *   <li>runs the inbound checks ({@link Mesh#inbound}); a refused request is answered here with the decision's
 *       status, body and headers ({@code 403 RBAC: access denied}, ...) and never reaches the application;</li>
 *   <li>passes an allowed request on with the decision's header changes applied and the server span's context
 *       available to the application (see below);</li>
 *   <li>when the response is done, failed or was cancelled (the client went away) ends the span (if it owns it),
 *       once, records Istio's metrics (reporter=destination) with the bytes received and sent, and writes the access
 *       log line.</li>
 * </ol>
 *
 * <p><b>Context.</b> The server span's OpenTelemetry context is put into the Reactor {@code Context} of the chain
 * under {@link #CONTEXT_KEY} and made current on the thread that subscribes to the chain (where a controller method
 * is called). With Micrometer's context-propagation library on the classpath and Reactor's automatic context
 * propagation on ({@code Hooks.enableAutomaticContextPropagation()}, which the starter turns on unless
 * {@code spring.reactor.context-propagation} is set), the starter's {@code ThreadLocalAccessor} for that key makes
 * it current on every thread that runs the chain's operators ({@code Mono.delay}, {@code publishOn},
 * {@code subscribeOn}, ...), so {@code Span.current()} and the mesh's {@code OkHttpClient} see the request's trace
 * there too. Without it, reactive code reads it with {@code Mono.deferContextual(ctx -> ctx.get(CONTEXT_KEY))}.
 *
 * <p>The starter registers it with order {@link #ORDER}, before Spring Security's {@code WebFilterChainProxy}.
 * Spring's observation of the exchange is not a filter: it wraps the whole chain, so the mesh always runs inside it.
 */
public class MeshWebFilter implements WebFilter, Ordered {
    /** The filter's order: first among the application's filters, as the servlet filter. */
    public static final int ORDER = MeshServerFilter.ORDER;

    /**
     * The key of the request's OpenTelemetry {@code io.opentelemetry.context.Context} in the Reactor context of the
     * filter chain.
     */
    public static final String CONTEXT_KEY = OtelContextAccessor.KEY;

    /** WebFlux's {@code HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE}: the route template that matched. */
    private static final String ROUTE_ATTRIBUTE = "org.springframework.web.reactive.HandlerMapping.bestMatchingPattern";
    private static final MediaType TEXT_PLAIN_UTF8 = MediaType.parseMediaType("text/plain;charset=UTF-8");

    private final Mesh mesh;

    public MeshWebFilter(Mesh mesh) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        ReactorContextPropagation.registerAccessor();
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (onManagementServer(exchange)) {
            return chain.filter(exchange);
        }
        return Mono.deferContextual(view -> handle(exchange, chain, view));
    }

    /**
     * Whether the request is for an actuator endpoint on Spring Boot's separate management server
     * ({@code management.server.port}), whose child context picks up this filter from the application's: the actuator
     * is not mesh traffic (as Istio's sidecar leaves the metrics port alone), so neither PeerAuthentication nor
     * metrics apply to it. Anything else the management server answers (functional routes of the application's, which
     * WebFlux's child context also serves) goes through the mesh's checks as on the main port.
     */
    private static boolean onManagementServer(ServerWebExchange exchange) {
        org.springframework.context.ApplicationContext context = exchange.getApplicationContext();
        if (!MANAGEMENT_AWARE || context == null
                || !org.springframework.boot.web.server.context.WebServerApplicationContext.hasServerNamespace(
                        context, "management")) {
            return false;
        }
        String base = context.getEnvironment().getProperty("management.endpoints.web.base-path", "/actuator");
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (base.isEmpty() || base.equals("/")) {
            return false; // the actuator at the root cannot be told from the application's routes: check it all
        }
        return path.equals(base) || path.startsWith(base.endsWith("/") ? base : base + "/");
    }

    private static final boolean MANAGEMENT_AWARE = org.springframework.util.ClassUtils.isPresent(
            "org.springframework.boot.web.server.context.WebServerApplicationContext",
            MeshWebFilter.class.getClassLoader());

    private Mono<Void> handle(ServerWebExchange exchange, WebFilterChain chain, ContextView view) {
        ServerHttpRequest request = exchange.getRequest();
        Context observed = springServerSpan(exchange, view);
        TelemetryPlane plane = mesh.telemetry();
        ServerCall.Request info = info(request);
        ServerCall call = observed != null
                ? plane.adoptServer(observed, info)
                : plane.startServer(request.getHeaders(), HttpHeadersGetter.INSTANCE, info);
        Tracker tracker = new Tracker(call, observed == null, request.getHeaders().getContentLength(),
                exchange.getResponse());
        InboundDecision decision;
        try {
            decision = mesh.inbound(new ReactiveInboundRequest(request, mesh));
        } catch (RuntimeException | Error e) {
            tracker.failed(e);
            tracker.finish(SignalType.ON_ERROR, exchange);
            throw e;
        }
        call.decision(decision);
        // a mesh client over verified mTLS tells its workload labels for the metrics, and learns this one's
        call.peerMetadata(request.getHeaders().getFirst(TelemetryPlane.PEER_HEADER));
        String peerAnswer = call.peerMetadataAnswer();
        ServerHttpResponse response = tracker.response;
        if (peerAnswer != null) {
            response.getHeaders().set(TelemetryPlane.PEER_HEADER, peerAnswer);
        }
        if (!decision.allowed()) {
            return refuse(exchange, tracker, decision);
        }
        decision.responseHeaders().forEach(response.getHeaders()::set);
        ServerWebExchange meshExchange = exchange.mutate()
                .request(tracker.counting(apply(request, decision)))
                .response(response)
                .build();
        Context context = call.context();
        return tracker.track(new SubscribeInContext(chain.filter(meshExchange), context), meshExchange)
                .contextWrite(ctx -> ctx.put(CONTEXT_KEY, context));
    }

    /**
     * The OpenTelemetry context of the server span Spring's observation started for this exchange, or null when
     * Spring does not observe it or its observation has no span (no Micrometer Tracing).
     */
    private static Context springServerSpan(ServerWebExchange exchange, ContextView view) {
        if (ServerRequestObservationContext.findCurrent(exchange.getAttributes()).isEmpty()) {
            return null;
        }
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current; // Reactor's automatic context propagation made the observation's span current already
        }
        return ReactorContextPropagation.observedContext(view);
    }

    private static ServerCall.Request info(ServerHttpRequest request) {
        URI uri = request.getURI();
        InetSocketAddress local = request.getLocalAddress();
        InetSocketAddress remote = request.getRemoteAddress();
        String scheme = uri.getScheme() != null ? uri.getScheme() : request.getSslInfo() != null ? "https" : "http";
        int port = local != null ? local.getPort() : uri.getPort();
        return ServerCall.Request.of(request.getMethod().name(), scheme, uri.getHost(), port,
                ReactiveInboundRequest.rawPath(request), remote == null ? null : ReactiveInboundRequest.address(remote),
                ReactiveProtocol.of(request), request.getHeaders().getFirst(HttpHeaders.USER_AGENT));
    }

    /** The request the application sees: the decision's header changes (removals first) and query removals. */
    static ServerHttpRequest apply(ServerHttpRequest request, InboundDecision decision) {
        if (decision.keepsRequest()) {
            return request;
        }
        ServerHttpRequest.Builder builder = request.mutate().headers(headers -> {
            decision.removeRequestHeaders().forEach(headers::remove);
            decision.setRequestHeaders().forEach(headers::set);
        });
        if (!decision.removeQueryParameters().isEmpty() && request.getURI().getRawQuery() != null) {
            String query = withoutParameters(request.getURI().getRawQuery(), Set.copyOf(decision.removeQueryParameters()));
            builder.uri(UriComponentsBuilder.fromUri(request.getURI()).replaceQuery(query).build(true).toUri());
        }
        return builder.build();
    }

    private static String withoutParameters(String query, Set<String> removed) {
        List<String> kept = new ArrayList<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            // a malformed escape must not throw here (URLDecoder would): the request goes on as it was sent
            String key = io.inmesh.security.InboundRequest.decodeQueryPart(eq < 0 ? pair : pair.substring(0, eq));
            if (!removed.contains(key)) {
                kept.add(pair);
            }
        }
        return kept.isEmpty() ? null : String.join("&", kept);
    }

    private static Mono<Void> refuse(ServerWebExchange exchange, Tracker tracker, InboundDecision decision) {
        ServerHttpResponse response = tracker.response;
        byte[] body = decision.body().getBytes(StandardCharsets.UTF_8);
        tracker.refused(decision.status());
        response.setStatusCode(HttpStatusCode.valueOf(decision.status()));
        HttpHeaders headers = response.getHeaders();
        decision.responseHeaders().forEach(headers::set);
        if (decision.outcome() == InboundDecision.Outcome.PLAINTEXT_REFUSED) {
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        headers.setContentType(TEXT_PLAIN_UTF8);
        headers.setContentLength(body.length);
        return tracker.track(response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body))),
                exchange);
    }

    /**
     * Subscribes to the chain with the request's context current, so that what runs during the subscription on this
     * thread (handler mapping, the controller method) sees it even without Reactor's automatic context propagation.
     */
    private static final class SubscribeInContext extends MonoOperator<Void, Void> {
        private final Context context;

        SubscribeInContext(Mono<Void> source, Context context) {
            super(source);
            this.context = context;
        }

        @Override
        @SuppressWarnings("try")
        public void subscribe(CoreSubscriber<? super Void> actual) {
            try (Scope ignored = context.makeCurrent()) {
                source.subscribe(actual);
            }
        }
    }

    /** Ends the telemetry of one exchange, once, whatever ends it first. */
    private static final class Tracker {
        private final ServerCall call;
        private final boolean owned;
        private final long contentLength;
        private final AtomicLong received = new AtomicLong();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicBoolean ended = new AtomicBoolean();
        final ServerHttpResponse response;
        private volatile Throwable failure;
        private volatile int refusedStatus;

        Tracker(ServerCall call, boolean owned, long contentLength, ServerHttpResponse response) {
            this.call = call;
            this.owned = owned;
            this.contentLength = contentLength;
            this.response = new CountingResponse(response, sent);
        }

        void failed(Throwable error) {
            failure = error;
        }

        /**
         * Ends the telemetry when {@code mono} completes, fails or is cancelled, before the signal goes on: Spring's
         * observation, outside the filter chain, ends its span when it sees the signal, and an adopted span must
         * have the mesh's last attributes by then.
         */
        Mono<Void> track(Mono<Void> mono, ServerWebExchange exchange) {
            return mono.doOnSuccess(ignored -> finish(SignalType.ON_COMPLETE, exchange))
                    .doOnError(error -> {
                        failed(error);
                        finish(SignalType.ON_ERROR, exchange);
                    })
                    .doOnCancel(() -> finish(SignalType.CANCEL, exchange));
        }

        void refused(int status) {
            refusedStatus = status;
        }

        ServerHttpRequest counting(ServerHttpRequest request) {
            return new ServerHttpRequestDecorator(request) {
                @Override
                public Flux<DataBuffer> getBody() {
                    return super.getBody().doOnNext(b -> received.addAndGet(b.readableByteCount()));
                }
            };
        }

        void finish(SignalType signal, ServerWebExchange exchange) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            Throwable error = failure;
            int status;
            Span span = call.span();
            if (refusedStatus > 0) {
                status = refusedStatus;
            } else if (signal == SignalType.CANCEL) {
                // the client went away before the response was complete: Envoy's DC (downstream connection
                // termination); the status is what was sent, 0 when nothing was
                status = response.isCommitted() ? status(response) : 0;
                call.flag(io.inmesh.traffic.ResponseFlag.DC); // on the span, in the metrics and the access log
            } else if (error instanceof ErrorResponse) {
                // answered by WebFlux's error handling after the chain (404 with no handler, 400 on a bad body ...)
                status = ((ErrorResponse) error).getStatusCode().value();
                error = status >= 500 ? error : null;
            } else if (error != null) {
                status = response.isCommitted() ? status(response) : 500;
            } else {
                status = status(response);
            }
            Object route = exchange.getAttribute(ROUTE_ATTRIBUTE);
            if (owned && route != null && span.isRecording()) {
                // OpenTelemetry's HTTP conventions: "{method} {http.route}" once the framework knows the route
                String method = exchange.getRequest().getMethod().name().toUpperCase(Locale.ROOT);
                span.setAttribute("http.route", route.toString());
                span.updateName((SemConv.knownMethod(method).equals(method) ? method : "HTTP") + " " + route);
            }
            call.end(status, error, Math.max(contentLength, received.get()), sent.get());
        }

        private static int status(ServerHttpResponse response) {
            HttpStatusCode code = response.getStatusCode();
            return code == null ? 200 : code.value();
        }
    }

    /** Counts the body bytes written, delegating everything else. */
    private static final class CountingResponse extends ServerHttpResponseDecorator {
        private final AtomicLong sent;

        CountingResponse(ServerHttpResponse delegate, AtomicLong sent) {
            super(delegate);
            this.sent = sent;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            if (body instanceof Mono) {
                return super.writeWith(Mono.from(body).doOnNext(this::count));
            }
            return super.writeWith(Flux.from(body).doOnNext(this::count));
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(Flux.from(body).map(part -> Flux.from(part).doOnNext(this::count)));
        }

        private void count(DataBuffer buffer) {
            sent.addAndGet(buffer.readableByteCount());
        }
    }
}

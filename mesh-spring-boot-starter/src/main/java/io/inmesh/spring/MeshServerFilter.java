package io.inmesh.spring;

import io.inmesh.Mesh;
import io.inmesh.security.InboundDecision;
import io.inmesh.spring.internal.MeshRequest;
import io.inmesh.spring.internal.ServletCallRequest;
import io.inmesh.spring.internal.MeshResponse;
import io.inmesh.spring.internal.ServletHeaderGetter;
import io.inmesh.spring.internal.ServletInboundRequest;
import io.inmesh.telemetry.internal.SemConv;
import io.inmesh.telemetry.internal.ServerCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The mesh's inbound side for servlet applications: what Istio's sidecar does in front of a workload, done in the
 * filter chain. For each request it
 * <ol>
 *   <li>starts the telemetry: extracts the trace context from the headers and starts the server span, or, when
 *       Spring's own observation ({@code ServerHttpObservationFilter}, with Micrometer Tracing) already started a
 *       server span for the request, enriches that one instead, so there is exactly one server span;</li>
 *   <li>runs the inbound checks ({@link Mesh#inbound}): PeerAuthentication mode, RequestAuthentication (JWT),
 *       AuthorizationPolicy, LocalRateLimit. A refused request is answered here with the decision's status, body
 *       and headers ({@code 403 RBAC: access denied}, {@code 401}, {@code 429}, {@code 400}) and never reaches the
 *       application;</li>
 *   <li>passes an allowed request on with the decision's header changes applied, the server span's context current
 *       (so the application's spans and its calls through the mesh's {@code OkHttpClient} are children of it);</li>
 *   <li>when the response is done ends the span (if it owns it), records Istio's metrics (reporter=destination)
 *       with the bytes received and sent, and writes the access log line.</li>
 * </ol>
 *
 * <p>Asynchronous requests (Spring MVC's {@code Callable}, {@code DeferredResult}, {@code CompletableFuture}): the
 * telemetry ends when the container completes the request ({@link AsyncListener#onComplete}), once; the async
 * dispatch that writes the result runs with the server span's context current again. Code that completes the
 * result on a thread of its own runs in whatever context that thread has: wrap its executor with
 * {@code Context.current().wrap(executor)} to carry the trace.
 *
 * <p>The starter registers it with order {@link #ORDER}, right after Spring's {@code ServerHttpObservationFilter}
 * ({@code HIGHEST_PRECEDENCE + 1}) and before Spring Security's filters, for the {@code REQUEST} and {@code ASYNC}
 * dispatches.
 */
public class MeshServerFilter extends OncePerRequestFilter implements Ordered {
    /** The filter's order: right after Spring's {@code ServerHttpObservationFilter}. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

    private static final String TRACKER_ATTRIBUTE = MeshServerFilter.class.getName() + ".call";
    /** Spring MVC's {@code HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE}: the route template that matched. */
    private static final String ROUTE_ATTRIBUTE = "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";

    private final Mesh mesh;

    public MeshServerFilter(Mesh mesh) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    /** The async dispatch that writes an async result runs with the request's context current again. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    /** The error page the container renders after the chain is part of the request: its bytes are counted. */
    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    @Override
    @SuppressWarnings("try") // the scopes are used for their effect: the context is current inside
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isAsyncDispatch(request)) {
            resume(request, response, chain);
            return;
        }
        if (request.getDispatcherType() == jakarta.servlet.DispatcherType.ERROR) {
            errorPage(request, response, chain);
            return;
        }
        ServerCall.Request info = new ServletCallRequest(request);
        TelemetryPlane plane = mesh.telemetry();
        boolean adopt = springStartedServerSpan(request);
        ServerCall call = adopt
                ? plane.adoptServer(Context.current(), info)
                : plane.startServer(request, ServletHeaderGetter.INSTANCE, info);
        MeshResponse meshResponse = new MeshResponse(response);
        InboundDecision decision;
        try {
            decision = mesh.inbound(new ServletInboundRequest(request, mesh));
        } catch (RuntimeException | Error e) {
            call.end(500, e, Math.max(0, request.getContentLengthLong()), 0);
            throw e;
        }
        call.decision(decision);
        // a mesh client over verified mTLS tells its workload labels for the metrics, and learns this one's
        call.peerMetadata(request.getHeader(TelemetryPlane.PEER_HEADER));
        String peerAnswer = call.peerMetadataAnswer();
        if (peerAnswer != null) {
            response.setHeader(TelemetryPlane.PEER_HEADER, peerAnswer);
        }
        if (!decision.allowed()) {
            refuse(request, response, meshResponse, decision, call);
            return;
        }
        decision.responseHeaders().forEach(response::setHeader);
        // the application gets the container's own request when the mesh changes nothing in it and the body's size
        // is known without counting it (wrapping costs every later call of the framework and the application)
        long knownBytes = decision.keepsRequest() ? knownBodyBytes(request) : -1;
        MeshRequest meshRequest = knownBytes < 0 ? new MeshRequest(request, decision) : null;
        Tracker tracker = new Tracker(call, !adopt, request, meshRequest, knownBytes, meshResponse, decision);
        request.setAttribute(TRACKER_ATTRIBUTE, tracker);
        Throwable failure = null;
        try (Scope ignored = call.makeCurrent()) {
            chain.doFilter(meshRequest != null ? meshRequest : request, meshResponse);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            if (failure == null && request.isAsyncStarted()) {
                request.getAsyncContext().addListener(tracker);
            } else if (meshResponse.errorSent() || failure != null && !response.isCommitted()) {
                // (after sendError the container reports the response as committed: it is reserved for the page)
                // the container renders an error page next (an ERROR dispatch): end after it, counting its bytes;
                // when it renders one of its own without a dispatch, the request listener ends the call
                tracker.awaitErrorPage(failure);
            } else {
                tracker.end(failure);
            }
        }
    }

    /**
     * The request body's size when known without reading it: its Content-Length, or 0 for an HTTP/1 request without
     * one and without Transfer-Encoding (it has no body); -1 otherwise (chunked, or HTTP/2 without a length: the bytes
     * the application reads are counted).
     */
    static long knownBodyBytes(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        if (length >= 0) {
            return length;
        }
        String protocol = request.getProtocol();
        return protocol != null && protocol.startsWith("HTTP/1.") && request.getHeader("transfer-encoding") == null
                ? 0 : -1;
    }

    /** The container's error page for a request the chain answered with an error: counted, then the call ends. */
    @SuppressWarnings("try")
    private static void errorPage(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Object tracker = request.getAttribute(TRACKER_ATTRIBUTE);
        if (!(tracker instanceof Tracker) || !((Tracker) tracker).awaitingErrorPage()) {
            chain.doFilter(request, response);
            return;
        }
        Tracker t = (Tracker) tracker;
        try (Scope ignored = t.call.makeCurrent()) {
            chain.doFilter(request, t.response.wrapping(response));
        } finally {
            t.endAfterErrorPage();
        }
    }

    /**
     * Ends a call still waiting for an error page when the request is over (the container answered without an
     * ERROR dispatch). The auto-configuration calls {@link #requestOver} from a Tomcat engine valve, and registers this
     * as a servlet request listener on other containers (on Tomcat, any request listener makes every request
     * attribute change build an event, which costs every request).
     */
    public static final class RequestEnd implements jakarta.servlet.ServletRequestListener {
        @Override
        public void requestDestroyed(jakarta.servlet.ServletRequestEvent event) {
            requestOver(event.getServletRequest());
        }

        /** The container is done with {@code request}: ends its call if it still waits for an error page. */
        public static void requestOver(jakarta.servlet.ServletRequest request) {
            Object tracker = request.getAttribute(TRACKER_ATTRIBUTE);
            if (tracker instanceof Tracker && ((Tracker) tracker).awaitingErrorPage()) {
                ((Tracker) tracker).endAfterErrorPage();
            }
        }
    }

    /**
     * True when Spring's {@code ServerHttpObservationFilter} observes this request and a span is current: Micrometer
     * Tracing's server span, which the mesh enriches rather than starting a second one.
     */
    private static boolean springStartedServerSpan(HttpServletRequest request) {
        return ServerHttpObservationFilter.findObservationContext(request).isPresent()
                && Span.current().getSpanContext().isValid();
    }

    @SuppressWarnings("try")
    private static void resume(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Object tracker = request.getAttribute(TRACKER_ATTRIBUTE);
        if (!(tracker instanceof Tracker)) {
            chain.doFilter(request, response);
            return;
        }
        Tracker t = (Tracker) tracker;
        // After a plain startAsync(), the container dispatches the unwrapped request and response: wrap them again,
        // so that the decision's header and query changes (JWT outputs, a removed token) hold in the async dispatch
        // too, and response bytes are counted
        HttpServletRequest req = t.meshRequest == null || isWrapped(request, MeshRequest.class) ? request
                : new MeshRequest(request, t.decision);
        HttpServletResponse resp = isWrapped(response, MeshResponse.class) ? response : t.response;
        try (Scope ignored = t.call.makeCurrent()) {
            chain.doFilter(req, resp);
        }
    }

    private static boolean isWrapped(jakarta.servlet.ServletRequest r, Class<?> type) {
        return type.isInstance(r) || r instanceof jakarta.servlet.ServletRequestWrapper
                && ((jakarta.servlet.ServletRequestWrapper) r).isWrapperFor(type);
    }

    private static boolean isWrapped(jakarta.servlet.ServletResponse r, Class<?> type) {
        return type.isInstance(r) || r instanceof jakarta.servlet.ServletResponseWrapper
                && ((jakarta.servlet.ServletResponseWrapper) r).isWrapperFor(type);
    }

    private static void refuse(HttpServletRequest request, HttpServletResponse response, MeshResponse meshResponse,
                               InboundDecision decision, ServerCall call) throws IOException {
        byte[] body = decision.body().getBytes(StandardCharsets.UTF_8);
        try {
            response.setStatus(decision.status());
            decision.responseHeaders().forEach(response::setHeader);
            if (decision.outcome() == InboundDecision.Outcome.PLAINTEXT_REFUSED) {
                response.setHeader("Connection", "close");
            }
            response.setContentType("text/plain;charset=UTF-8");
            response.setContentLength(body.length);
            meshResponse.getOutputStream().write(body);
        } finally {
            call.end(decision.status(), null, Math.max(0, request.getContentLengthLong()), meshResponse.bytesSent());
        }
    }

    /** Ends the telemetry of one request: after the chain returns, or when an async request completes. */
    private static final class Tracker implements AsyncListener {
        final ServerCall call;
        private final boolean owned;
        private final HttpServletRequest request;
        /** The request the application got when the mesh wrapped it (it counts the body's bytes), else null. */
        final MeshRequest meshRequest;
        /** The body's size when known without counting (meshRequest is null then). */
        private final long knownBytes;
        private final MeshResponse response;
        private volatile Throwable asyncError;
        final InboundDecision decision;

        Tracker(ServerCall call, boolean owned, HttpServletRequest request, MeshRequest meshRequest, long knownBytes,
                MeshResponse response, InboundDecision decision) {
            this.decision = decision;
            this.call = call;
            this.owned = owned;
            this.request = request;
            this.meshRequest = meshRequest;
            this.knownBytes = knownBytes;
            this.response = response;
        }

        private boolean awaitingErrorPage;
        private Throwable pendingFailure;

        synchronized void awaitErrorPage(Throwable failure) {
            awaitingErrorPage = true;
            pendingFailure = failure;
        }

        synchronized boolean awaitingErrorPage() {
            return awaitingErrorPage;
        }

        synchronized void endAfterErrorPage() {
            if (awaitingErrorPage) {
                awaitingErrorPage = false;
                Throwable failure = pendingFailure;
                // the error page set the status; a failure's type stays the error type
                int status = response.getStatus();
                finish(status > 0 ? status : 500, failure);
            }
        }

        synchronized void end(Throwable failure) {
            finish(failure != null && !response.isCommitted() ? 500 : response.getStatus(), failure);
        }

        private void finish(int status, Throwable failure) {
            Object route = request.getAttribute(ROUTE_ATTRIBUTE);
            Span span = call.span();
            if (owned && route instanceof String && span.isRecording()) {
                // OpenTelemetry's HTTP conventions: "{method} {http.route}" once the framework knows the route
                String method = request.getMethod().toUpperCase(Locale.ROOT);
                span.setAttribute("http.route", (String) route);
                span.updateName((SemConv.knownMethod(method).equals(method) ? method : "HTTP") + " " + route);
            }
            Throwable error = failure instanceof ServletException && failure.getCause() != null
                    ? failure.getCause() : failure;
            call.end(status, error, meshRequest != null ? meshRequest.bytesReceived() : knownBytes,
                    response.bytesSent());
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end(asyncError);
        }

        @Override
        public void onError(AsyncEvent event) {
            asyncError = event.getThrowable();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // the application (or Spring MVC) answers the timeout; the status it sets is recorded at completion
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}

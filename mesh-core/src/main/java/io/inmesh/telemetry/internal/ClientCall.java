package io.inmesh.telemetry.internal;

import io.inmesh.telemetry.internal.metrics.IstioMetrics;
import io.inmesh.telemetry.internal.metrics.PeerLabels;
import io.inmesh.traffic.ResponseFlag;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.Target;
import io.inmesh.telemetry.internal.propagation.TraceContextPropagator;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The telemetry of one outbound request: a client span per try (OpenTelemetry's HTTP conventions, with
 * {@code http.request.resend_count} on retries and the mesh's attributes), or one span for a local reply; then, when
 * the response is done, Istio's metrics (reporter=source) and the access log. Not thread-safe: one request's
 * adapter drives it, try after try. Every span it starts is ended: by {@link Try#end}, whichever way the try ends.
 */
public final class ClientCall {
    private final TelemetryPlane plane;
    /** The caller's context. */
    private final Context caller;
    private final String method;
    private final boolean mirror;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private long faultDelayMillis = -1;
    private boolean ended;
    private Try last;

    /** Whether the caller had no trace, so that the request has a span of its own (the parent of its tries). */
    private final boolean ownRoot;
    /**
     * The request's own span when the caller had no trace; while the span is only ids (see {@link #rootSpanId}),
     * null until something needs it as an object.
     */
    private Span root;
    /** The parent of every try's span: the caller's context, or it with {@link #root}; null while root is. */
    private Context parent;
    /**
     * The ids of the request's own span when it records nothing (an unsampled trace, or no tracing) and the caller
     * had no trace: the span and the contexts are made only when needed (a retry, a mirror, a follow-up, a local
     * reply, the access log); the first try's {@code traceparent} is written from the numbers. 0 otherwise.
     */
    private final long rootSpanId;
    private final long traceIdHigh;
    private final long traceIdLow;
    private final boolean rootSampled;

    ClientCall(TelemetryPlane plane, Context caller, String method, boolean mirror) {
        this.plane = plane;
        this.caller = caller;
        this.method = method;
        this.mirror = mirror;
        if (Span.fromContext(caller).getSpanContext().isValid()) {
            this.ownRoot = false;
            this.parent = caller;
            this.rootSpanId = 0;
            this.traceIdHigh = 0;
            this.traceIdLow = 0;
            this.rootSampled = false;
            return;
        }
        // the caller has no trace: one span for the request, so that its tries and mirrors share one trace
        this.ownRoot = true;
        boolean sampled = plane.sampleRoot();
        Span traced = sampled ? plane.startTracedRoot(spanName(method), SpanKind.INTERNAL) : null;
        if (traced != null) {
            if (traced.isRecording()) {
                traced.setAttribute(SemConv.HTTP_REQUEST_METHOD, SemConv.knownMethod(method));
            }
            this.root = traced;
            this.parent = plane.with(caller, traced);
            this.rootSpanId = 0;
            this.traceIdHigh = 0;
            this.traceIdLow = 0;
            this.rootSampled = false;
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        this.traceIdHigh = high;
        this.traceIdLow = TelemetryPlane.traceIdLow(random, high);
        this.rootSpanId = TelemetryPlane.nonZeroLong(random);
        this.rootSampled = sampled;
    }

    /** The parent of every try's span, making the request's own span and context now if they were only ids. */
    private Context parentContext() {
        Context p = parent;
        if (p == null) {
            root = Span.wrap(SpanContext.create(TraceId.fromLongs(traceIdHigh, traceIdLow),
                    SpanId.fromLong(rootSpanId), rootSampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                    TraceState.getDefault()));
            p = plane.with(caller, root);
            parent = p;
        }
        return p;
    }

    /**
     * The adapter is done with the request (it returns a response or throws): ends the request's own span when the
     * caller had no trace. Idempotent.
     */
    public void returned(int status) {
        // a span that is only ids (or was made from them) records nothing: there is nothing to end
        if (root != null && rootSpanId == 0 && !rootEnded) {
            rootEnded = true;
            if (status > 0 && root.isRecording()) {
                root.setAttribute(SemConv.HTTP_RESPONSE_STATUS_CODE, (long) status);
            }
            root.end();
        }
    }

    private boolean rootEnded;
    private String peerMetadata;

    /**
     * The server's {@link TelemetryPlane#PEER_HEADER} on the last try's response (null when absent): believed only
     * for a mesh mTLS try whose server identity was verified.
     */
    public void peerMetadata(String header) {
        this.peerMetadata = header;
    }

    /** The value to send in {@link TelemetryPlane#PEER_HEADER} on a mesh mTLS try, or null. */
    public String peerMetadataOffer() {
        return plane.peerHeader();
    }

    /** The parent of every try's span: the caller's context, with the request's own span if the caller had none. */
    public Context parent() {
        return parentContext();
    }

    /** Writes the trace context of try {@code t} into {@code carrier}. */
    public <C> void inject(Try t, C carrier, TextMapSetter<C> setter) {
        if (t.span == null && rootSpanId != 0 && plane.injectsTraceparentOnly()
                && Baggage.fromContext(caller).isEmpty()) {
            // the first try under the request's span that is only ids: what the propagator would write for it
            // (a trace-id the mesh generated at random: the level-2 random-trace-id flag, as plane.with marks it)
            int flags = TraceContextPropagator.RANDOM_TRACE_ID | (rootSampled ? TraceContextPropagator.SAMPLED : 0);
            setter.set(carrier, TraceContextPropagator.TRACEPARENT,
                    TraceContextPropagator.traceparent(traceIdHigh, traceIdLow, rootSpanId, flags));
            return;
        }
        plane.inject(t.context(), carrier, setter);
    }

    /** The try started last, or null. */
    public Try lastTry() {
        return last;
    }

    /** The span of {@code meshTry}, started now if the try failed before it had one (TLS setup, for instance). */
    public Try spanOf(MeshCall call, MeshCall.Try meshTry, String scheme, String host, int port, String path) {
        Try t = last;
        if (t != null && t.meshTry == meshTry) {
            return t;
        }
        return startTry(call, meshTry, false, scheme, host, port, path, host, port);
    }

    /** Notes an injected delay (shown on the spans that follow). */
    public void faultDelay(long nanos) {
        this.faultDelayMillis = TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /**
     * Starts the span of one try; inject {@link Try#context()} into the try's request.
     *
     * @param urlFull       the try's URL without its query
     * @param serverAddress the host the application called (the logical name)
     * @param serverPort    its port
     * @param peerAddress   the endpoint's address
     * @param peerPort      the endpoint's port
     */
    public Try startTry(MeshCall call, MeshCall.Try meshTry, boolean mutualTls, String scheme, String urlHost,
                        int urlPort, String path, String serverAddress, int serverPort) {
        Try t = start(call, meshTry, mutualTls, scheme, urlHost, urlPort, path, serverAddress, serverPort,
                meshTry.number - 1);
        last = t;
        return t;
    }

    /**
     * Starts the span of a request the HTTP client sends on its own within a try (a redirect it follows, an
     * authentication challenge it answers): a resend, as the conventions count them.
     *
     * @param resendCount resends of this request so far, this one included
     * <p>The caller ends the returned span; {@link #lastTry()} stays the try's own.
     */
    public Try followUp(MeshCall call, MeshCall.Try meshTry, boolean mutualTls, String scheme, String urlHost,
                        int urlPort, String path, String serverAddress, int serverPort, int resendCount) {
        return start(call, meshTry, mutualTls, scheme, urlHost, urlPort, path, serverAddress, serverPort,
                resendCount);
    }

    private Try start(MeshCall call, MeshCall.Try meshTry, boolean mutualTls, String scheme, String urlHost,
                      int urlPort, String path, String serverAddress, int serverPort, int resendCount) {
        if (ownRoot && (root == null || !root.isRecording()) && last == null && resendCount == 0) {
            // The caller had no trace and the request's own span records nothing (an unsampled trace, or no
            // tracing): the first try goes out under the request's span id, as nothing is recorded for either span
            // and no one sees the id but the server, as its parent. Saves making a second id and context per call.
            return new Try(null, null, meshTry, mutualTls);
        }
        Context parent = parentContext();
        Span span = plane.startSpan(spanName(method), SpanKind.CLIENT, parent);
        if (span.isRecording()) {
            span.setAttribute(SemConv.HTTP_REQUEST_METHOD, SemConv.knownMethod(method));
            if (!SemConv.knownMethod(method).equals(method)) {
                span.setAttribute(SemConv.HTTP_REQUEST_METHOD_ORIGINAL, method);
            }
            span.setAttribute(SemConv.URL_FULL, SemConv.url(scheme, urlHost, urlPort, path));
            span.setAttribute(SemConv.SERVER_ADDRESS, serverAddress);
            span.setAttribute(SemConv.SERVER_PORT, (long) serverPort);
            span.setAttribute(SemConv.NETWORK_PEER_ADDRESS, meshTry.address);
            span.setAttribute(SemConv.NETWORK_PEER_PORT, (long) meshTry.port);
            if (resendCount > 0) {
                span.setAttribute(SemConv.HTTP_REQUEST_RESEND_COUNT, (long) resendCount);
            }
            meshAttributes(span, call);
        }
        return new Try(span, parent.with(span), meshTry, mutualTls);
    }

    /**
     * A span for a request the mesh answered itself, without a try (no route, redirect, direct response, fault
     * abort, overflow, no healthy upstream); ended at once.
     */
    public void localReply(MeshCall call, String scheme, String host, int port, String path, int status) {
        Context parent = parentContext();
        Span span = plane.startSpan(spanName(method), SpanKind.CLIENT, parent);
        if (span.isRecording()) {
            span.setAttribute(SemConv.HTTP_REQUEST_METHOD, SemConv.knownMethod(method));
            span.setAttribute(SemConv.URL_FULL, SemConv.url(scheme, host, port, path));
            span.setAttribute(SemConv.SERVER_ADDRESS, host);
            span.setAttribute(SemConv.SERVER_PORT, (long) port);
            span.setAttribute(SemConv.MESH_LOCAL_REPLY, true);
            meshAttributes(span, call);
            if ((call.flags() & ResponseFlag.FI.bit()) != 0) {
                span.setAttribute(SemConv.MESH_FAULT, faultDelayMillis >= 0 ? "delay,abort" : "abort");
            }
        }
        Try t = new Try(span, parent.with(span), null, false);
        last = t;
        t.end(status, call.flags(), null, null);
    }

    private void meshAttributes(Span span, MeshCall call) {
        if (call.plan().routeName != null) {
            span.setAttribute(SemConv.MESH_ROUTE, call.plan().routeName);
        }
        Target target = call.target();
        if (target != null) {
            span.setAttribute(SemConv.MESH_DESTINATION_HOST, call.targetHost());
            if (target.subset != null) {
                span.setAttribute(SemConv.MESH_DESTINATION_SUBSET, target.subset);
            }
        }
        if (faultDelayMillis >= 0) {
            span.setAttribute(SemConv.MESH_FAULT, "delay");
            span.setAttribute(SemConv.MESH_FAULT_DELAY_MS, faultDelayMillis);
        }
        if (mirror) {
            span.setAttribute(SemConv.MESH_MIRROR, true);
        }
    }

    private static String spanName(String method) {
        String m = SemConv.knownMethod(method);
        return m.equals("_OTHER") ? "HTTP" : m;
    }

    /**
     * The request is done (its response body closed, or a local reply or failure returned): records Istio's
     * metrics and the access log line. Once; later calls do nothing.
     *
     * @param status        the status the application got (0 when it got an exception)
     * @param flags         {@link ResponseFlag} bits
     * <p>The upstream host, the destination's labels and whether mesh mTLS was used come from the last try.
     */
    public void end(MeshCall call, int status, int flags, long requestBytes, long responseBytes, String path,
                    String authority, String protocol) {
        if (ended) {
            return;
        }
        ended = true;
        long nanos = System.nanoTime() - startNanos;
        MeshCall.Try lastTry = last == null ? null : last.meshTry;
        boolean mutualTls = last != null && last.mutualTls;
        IstioMetrics istio = plane.istio();
        if (istio != null && !mirror) { // as Envoy's shadow requests, mirrored copies are reported by the mirror only
            PeerLabels destination = plane.destination(lastTry == null ? null : lastTry.endpointState(), mutualTls,
                    last == null ? null : last.peerSpiffeId);
            if (mutualTls) {
                destination = plane.fromMetadata(peerMetadata, destination);
            }
            String service = call.target() != null ? call.targetHost() : call.decision().host();
            istio.recordClient(destination == null ? PeerLabels.unknown() : destination, service, status, flags,
                    mutualTls, nanos, Math.max(0, requestBytes), Math.max(0, responseBytes));
        }
        AccessLog log = plane.accessLog();
        if (log.enabled()) {
            Try t = last;
            String traceId = t == null || t.span == null ? traceId() : t.span.getSpanContext().getTraceId();
            String upstreamHost = lastTry == null ? null : lastTry.address.indexOf(':') >= 0
                    ? "[" + lastTry.address + "]:" + lastTry.port : lastTry.address + ":" + lastTry.port;
            log.write(new AccessLog.Entry(startMillis, mirror ? "outbound-mirror" : "outbound", method, path,
                    protocol, status, ResponseFlag.format(flags), Math.max(0, requestBytes),
                    Math.max(0, responseBytes), TimeUnit.NANOSECONDS.toMillis(nanos), authority, upstreamHost,
                    call.plan().routeName, traceId));
        }
    }

    /** The request's trace-id. */
    private String traceId() {
        if (rootSpanId != 0) { // final fields: no read of the lazily made context (end() may run on another thread)
            return TraceId.fromLongs(traceIdHigh, traceIdLow);
        }
        return Span.fromContext(parent).getSpanContext().getTraceId();
    }

    /** One try's span. */
    public final class Try {
        /** The try's span; null for the first try lent the request's own span, which records nothing. */
        private final Span span;
        private final Context context;
        private final MeshCall.Try meshTry;
        private final boolean mutualTls;
        private String peerSpiffeId;
        private boolean ended;

        Try(Span span, Context context, MeshCall.Try meshTry, boolean mutualTls) {
            this.span = span;
            this.context = context;
            this.meshTry = meshTry;
            this.mutualTls = mutualTls;
        }

        /** The context to inject into the try's request (its span as the parent of the server's). */
        public Context context() {
            return span == null ? parentContext() : context;
        }

        /**
         * Ends the span: {@code status} when a response came back, else {@code error}. Client spans are errors for
         * statuses of 400 and above and for exceptions, as the conventions say. Once; later calls do nothing.
         *
         * @param peerSpiffeId the server's verified SPIFFE ID (mesh mTLS), or null
         */
        public void end(int status, int flags, Throwable error, String peerSpiffeId) {
            if (ended) {
                return;
            }
            ended = true;
            this.peerSpiffeId = peerSpiffeId;
            if (span == null) {
                return; // the request's own span, lent to its first try: records nothing, and returned() ends it
            }
            if (span.isRecording()) {
                if (status > 0) {
                    span.setAttribute(SemConv.HTTP_RESPONSE_STATUS_CODE, (long) status);
                }
                if (flags != 0) {
                    span.setAttribute(SemConv.MESH_RESPONSE_FLAGS, ResponseFlag.format(flags));
                }
                if (peerSpiffeId != null) {
                    span.setAttribute(SemConv.MESH_PEER_SPIFFE_ID, peerSpiffeId);
                }
                if (error != null) {
                    span.setAttribute(SemConv.ERROR_TYPE, error.getClass().getName());
                    span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
                } else if (status >= 400) {
                    span.setAttribute(SemConv.ERROR_TYPE, Integer.toString(status));
                    span.setStatus(StatusCode.ERROR);
                }
            }
            span.end();
        }
    }
}

package io.inmesh.telemetry.internal;

import io.inmesh.security.InboundDecision;
import io.inmesh.security.SpiffeId;
import io.inmesh.telemetry.internal.metrics.IstioMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.TimeUnit;

/**
 * The telemetry of one inbound request: the server span (or the one Spring's observation started, adopted),
 * Istio's metrics (reporter=destination) and the access log line. The adapter makes {@link #context()} current while
 * the application runs, so that the application's own spans and the mesh's client calls are its children.
 */
public final class ServerCall {
    /**
     * What the adapter knows of the request. Only {@link #method()} is read for every request; the rest only when
     * the span records or the access log is on, so an adapter may read them from its request object on demand (while
     * the request is not yet recycled: until {@link #end} returns).
     */
    public interface Request {
        /** The HTTP method. */
        String method();

        /** {@code http} or {@code https}. */
        String scheme();

        /** The Host header's name (server.address), or null. */
        String host();

        /** The port the request arrived at. */
        int port();

        /** The path, without the query. */
        String path();

        /** The peer's IP address, or null. */
        String clientAddress();

        /** {@code HTTP/1.1}, {@code HTTP/2}... */
        String protocol();

        /** The User-Agent header, or null. */
        String userAgent();

        /** A request whose every value is known already. */
        static Request of(String method, String scheme, String host, int port, String path, String clientAddress,
                          String protocol, String userAgent) {
            return new Known(method, scheme, host, port, path, clientAddress, protocol, userAgent);
        }
    }

    private record Known(String method, String scheme, String host, int port, String path, String clientAddress,
                         String protocol, String userAgent) implements Request {
    }

    private final TelemetryPlane plane;
    private final Request request;
    private final Span span;
    private final Context context;
    private final boolean owned;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private SpiffeId peer;
    private int flags;
    private String flagText = "-";
    private String service;
    private String peerMetadata;
    private boolean ended;

    ServerCall(TelemetryPlane plane, Context parent, Request request, Span adopted) {
        this.plane = plane;
        this.request = request;
        if (adopted != null && adopted.getSpanContext().isValid()) {
            this.span = adopted;
            this.owned = false;
            this.context = parent;
        } else {
            this.span = plane.startSpan(spanName(request.method()), SpanKind.SERVER, parent);
            this.owned = true;
            this.context = plane.with(parent, span);
        }
        if (span.isRecording()) {
            String method = SemConv.knownMethod(request.method());
            span.setAttribute(SemConv.HTTP_REQUEST_METHOD, method);
            if (!method.equals(request.method())) {
                span.setAttribute(SemConv.HTTP_REQUEST_METHOD_ORIGINAL, request.method());
            }
            span.setAttribute(SemConv.URL_SCHEME, request.scheme());
            span.setAttribute(SemConv.URL_PATH, request.path());
            String host = request.host(); // (an adapter may read each from its request when asked: once)
            if (host != null) {
                span.setAttribute(SemConv.SERVER_ADDRESS, host);
            }
            span.setAttribute(SemConv.SERVER_PORT, (long) request.port());
            String clientAddress = request.clientAddress();
            if (clientAddress != null) {
                span.setAttribute(SemConv.CLIENT_ADDRESS, clientAddress);
            }
            String version = protocolVersion(request.protocol());
            if (version != null) {
                span.setAttribute(SemConv.NETWORK_PROTOCOL_VERSION, version);
            }
            String userAgent = request.userAgent();
            if (userAgent != null) {
                span.setAttribute(SemConv.USER_AGENT, userAgent);
            }
        }
    }

    private static String spanName(String method) {
        String m = SemConv.knownMethod(method);
        return m.equals("_OTHER") ? "HTTP" : m;
    }

    private static String protocolVersion(String protocol) {
        if (protocol == null) {
            return null;
        }
        int slash = protocol.indexOf('/');
        return slash < 0 ? null : protocol.substring(slash + 1);
    }

    /** The context the application runs in: the server span, the extracted baggage. */
    public Context context() {
        return context;
    }

    /** Makes {@link #context()} current on this thread; close the scope on the same thread. */
    public Scope makeCurrent() {
        return context.makeCurrent();
    }

    /** The span (recording or not). */
    public Span span() {
        return span;
    }

    /** Records the inbound decision: the peer, the outcome when not allowed, the policy that decided. */
    public void decision(InboundDecision d) {
        this.peer = d.peer();
        this.flagText = d.responseFlags() == null ? "-" : d.responseFlags();
        this.flags = "RL".equals(flagText) ? io.inmesh.traffic.ResponseFlag.RL.bit() : 0;
        if (span.isRecording()) {
            if (d.peer() != null) {
                span.setAttribute(SemConv.MESH_PEER_SPIFFE_ID, d.peer().uri());
            }
            if (!d.allowed()) {
                span.setAttribute(SemConv.MESH_INBOUND_OUTCOME, d.outcome().name());
                if (!"-".equals(flagText)) {
                    span.setAttribute(SemConv.MESH_RESPONSE_FLAGS, flagText);
                }
            }
            if (d.authorization() != null && d.authorization().policy() != null) {
                span.setAttribute(SemConv.MESH_AUTHZ_POLICY, d.authorization().policy());
            }
        }
    }

    /** Adds a response flag (for example {@link io.inmesh.traffic.ResponseFlag#DC} when the caller went away). */
    public void flag(io.inmesh.traffic.ResponseFlag f) {
        flags |= f.bit();
        flagText = io.inmesh.traffic.ResponseFlag.format(flags);
        if (span.isRecording()) {
            span.setAttribute(SemConv.MESH_RESPONSE_FLAGS, flagText);
        }
    }

    /**
     * The client's {@link TelemetryPlane#PEER_HEADER} (null when absent): its workload labels, believed only when
     * the request came over verified mTLS from the namespace the labels claim.
     */
    public void peerMetadata(String header) {
        this.peerMetadata = header;
    }

    /** The header value to answer a mesh client with ({@link TelemetryPlane#PEER_HEADER}), or null. */
    public String peerMetadataAnswer() {
        return peerMetadata != null && peer != null ? plane.peerHeader() : null;
    }

    /**
     * The destination service for metrics, fully qualified, when the adapter knows better than the default: this
     * workload's {@code app.namespace.svc.cluster.local} (its service account's name without an {@code app} label).
     */
    public void service(String fqdn) {
        this.service = fqdn;
    }

    /**
     * The response is done: ends the span (an error for statuses of 500 and above, or an exception), records the
     * metrics and the access log line. Once; later calls do nothing.
     */
    public void end(int status, Throwable error, long bytesReceived, long bytesSent) {
        if (ended) {
            return;
        }
        ended = true;
        long nanos = System.nanoTime() - startNanos;
        if (span.isRecording()) {
            if (status > 0) {
                span.setAttribute(SemConv.HTTP_RESPONSE_STATUS_CODE, (long) status);
            }
            if (error != null) {
                span.setAttribute(SemConv.ERROR_TYPE, error.getClass().getName());
                span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
            } else if (status >= 500) {
                span.setAttribute(SemConv.ERROR_TYPE, Integer.toString(status));
                span.setStatus(StatusCode.ERROR);
            }
        }
        if (owned) {
            span.end();
        }
        IstioMetrics istio = plane.istio();
        if (istio != null) {
            istio.recordServer(plane.fromMetadata(peerMetadata, plane.source(peer)), service != null ? service : plane.selfService(), status,
                    flags, peer != null, nanos, Math.max(0, bytesReceived), Math.max(0, bytesSent));
        }
        AccessLog log = plane.accessLog();
        if (log.enabled()) {
            log.write(new AccessLog.Entry(startMillis, "inbound", request.method(), request.path(),
                    request.protocol(), status, flagText, Math.max(0, bytesReceived), Math.max(0, bytesSent),
                    TimeUnit.NANOSECONDS.toMillis(nanos), request.host(), null, null,
                    span.getSpanContext().getTraceId()));
        }
    }
}

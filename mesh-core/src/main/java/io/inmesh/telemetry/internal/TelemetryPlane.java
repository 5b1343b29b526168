package io.inmesh.telemetry.internal;

import io.inmesh.Workload;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.Propagation;
import io.inmesh.telemetry.internal.metrics.IstioMetrics;
import io.inmesh.telemetry.internal.metrics.MeshMetrics;
import io.inmesh.telemetry.internal.metrics.PeerLabels;
import io.inmesh.telemetry.internal.propagation.MeshPropagators;
import io.inmesh.telemetry.internal.propagation.TraceContextPropagator;
import io.inmesh.discovery.Endpoint;
import io.inmesh.security.SpiffeId;
import io.inmesh.traffic.internal.EndpointState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The mesh's telemetry at run time: the propagator, the tracer, the metrics and the access log, shared by the client
 * and server adapters.
 */
public final class TelemetryPlane {
    private final MeshTelemetry settings;
    private final TextMapPropagator propagator;
    private final boolean traceparentOnly;
    private final PeerLabels self;
    private final IstioMetrics istio;
    private final MeshMetrics meshMetrics;
    private final AccessLog accessLog;
    private final String trustDomain;
    private final ConcurrentHashMap<String, PeerLabels> peersByPrincipal = new ConcurrentHashMap<>();
    private volatile Tracer tracer;
    private final String selfService;

    /**
     * The request and response header in which mesh peers tell each other their metric labels, over mutual TLS only
     * (Istio's sidecars exchange {@code x-envoy-peer-metadata} for the same purpose): {@code
     * workload;namespace;app;version;canonical-service;canonical-revision}. A peer's claim is taken only from a
     * verified mTLS peer and only when its namespace is the one of the peer's SPIFFE ID, so the labels cannot be
     * spoofed across namespaces, and the number of distinct peers is bounded.
     */
    public static final String PEER_HEADER = "x-inmesh-peer";
    private final String peerHeader;
    private final ConcurrentHashMap<String, Claims> claimsByPrincipal = new ConcurrentHashMap<>();

    /** Distinct peer identities given their own metric labels; beyond, peers are recorded as unknown. */
    static final int MAX_PEERS = 1024;
    static final String SCOPE = "io.inmesh";

    public TelemetryPlane(MeshTelemetry settings, Workload workload, String principal) {
        this.settings = settings;
        this.accessLog = new AccessLog(settings.accessLog());
        this.trustDomain = principal == null ? SpiffeId.DEFAULT_TRUST_DOMAIN : SpiffeId.parse(principal).trustDomain();
        this.propagator = MeshPropagators.create(settings.propagation());
        this.traceparentOnly = settings.propagation().contains(Propagation.TRACECONTEXT)
                && !settings.propagation().contains(Propagation.B3)
                && !settings.propagation().contains(Propagation.B3_MULTI);
        this.self = selfLabels(settings, workload, principal);
        String app = workload.labels().get("app");
        this.selfService = (app != null && !app.isEmpty() ? app : workload.serviceAccount()) + "."
                + workload.namespace() + ".svc.cluster.local";
        this.peerHeader = encode(self);
        this.istio = settings.meterRegistry() == null ? null : new IstioMetrics(settings.meterRegistry(), self);
        this.meshMetrics = MeshMetrics.create(settings.meterRegistry());
    }

    /** This workload's labels for Istio's metrics. */
    static PeerLabels selfLabels(MeshTelemetry settings, Workload workload, String principal) {
        var labels = workload.labels();
        String app = labels.getOrDefault("app", PeerLabels.UNKNOWN);
        String version = labels.getOrDefault("version", PeerLabels.UNKNOWN);
        String name = settings.workloadName();
        if (name == null) {
            if (labels.containsKey("app") && labels.containsKey("version")) {
                name = app + "-" + version;
            } else if (labels.containsKey("app")) {
                name = app;
            } else {
                name = workload.serviceAccount();
            }
        }
        return labelsOf(labels, name, workload.namespace(), principal == null ? PeerLabels.UNKNOWN : principal, name);
    }

    /**
     * Istio's labels for a workload with pod labels {@code labels}: app and version, and the canonical service and
     * revision as Istio derives them ({@code service.istio.io/canonical-*}, else {@code app.kubernetes.io/*}, else
     * app and version; {@code serviceFallback} and {@code latest} when none is set).
     */
    static PeerLabels labelsOf(java.util.Map<String, String> labels, String workload, String namespace,
                               String principal, String serviceFallback) {
        String canonicalService = firstOf(labels, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
        String canonicalRevision = firstOf(labels, "service.istio.io/canonical-revision", "app.kubernetes.io/version",
                "version");
        return new PeerLabels(workload, namespace, principal, labels.getOrDefault("app", PeerLabels.UNKNOWN),
                labels.getOrDefault("version", PeerLabels.UNKNOWN),
                canonicalService == null ? serviceFallback : canonicalService,
                canonicalRevision == null ? "latest" : canonicalRevision);
    }

    private static String firstOf(java.util.Map<String, String> labels, String... keys) {
        for (String k : keys) {
            String v = labels.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    public MeshTelemetry settings() {
        return settings;
    }

    /** The access log (check {@link AccessLog#enabled()} before building an entry). */
    public AccessLog accessLog() {
        return accessLog;
    }

    /** The tracer, looked up at first use (so that the application can set the global OpenTelemetry first). */
    Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            t = settings.openTelemetry().getTracer(SCOPE);
            tracer = t;
        }
        return t;
    }

    /** Starts the telemetry of one outbound request whose caller's context is {@code parent}. */
    public ClientCall startClient(Context parent, String method, boolean mirror) {
        return new ClientCall(this, parent == null ? Context.root() : parent, method, mirror);
    }

    /**
     * Starts the telemetry of one inbound request: extracts the trace context from {@code carrier} and starts the
     * server span.
     */
    public <C> ServerCall startServer(C carrier, TextMapGetter<C> getter, ServerCall.Request request) {
        Context parent = propagator.extract(Context.root(), carrier, getter);
        return new ServerCall(this, parent, request, null);
    }

    /**
     * Adopts a server span someone else (Spring's observation) started for this request, in {@code current}: it is
     * given the mesh's attributes and is not ended by the mesh; nothing is extracted (the owner did that).
     */
    public ServerCall adoptServer(Context current, ServerCall.Request request) {
        return new ServerCall(this, current, request, Span.fromContext(current));
    }

    /** Writes the trace context of {@code context} into {@code carrier}. */
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        propagator.inject(context, carrier, setter);
    }

    /**
     * {@code parent} with {@code span} in it; when the span starts a trace whose id the mesh generated (randomly),
     * the context says so, and the W3C propagator sends the level-2 random-trace-id flag with it.
     */
    Context with(Context parent, Span span) {
        Context c = parent.with(span);
        if (!span.isRecording() && !Span.fromContext(parent).getSpanContext().isValid()
                && span.getSpanContext().isValid()) {
            c = TraceContextPropagator.markTraceIdRandom(c, span.getSpanContext().getTraceId());
        }
        return c;
    }

    /** True with the configured probability: whether a trace started here is sampled. */
    boolean sampleRoot() {
        double p = settings.samplingPercent();
        return p >= 100 || p > 0 && ThreadLocalRandom.current().nextDouble() * 100 < p;
    }

    /**
     * Starts a span under {@code parent}, and makes sure it has a span context of its own even when the tracer
     * creates none (no SDK: the OpenTelemetry no-op) or the trace is not sampled, so that the trace context
     * propagates with a new parent id. A trace started here is sampled at the configured ratio; a parent's
     * unsampled flag is honoured here (the SDK is not asked); a sampled parent goes to the SDK, whose default
     * parent-based sampler records it.
     */
    Span startSpan(String name, SpanKind kind, Context parent) {
        SpanContext parentContext = Span.fromContext(parent).getSpanContext();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (!parentContext.isValid()) {
            boolean sampled = sampleRoot();
            Span span = sampled ? startTracedRoot(name, kind) : null;
            if (span != null) {
                return span;
            }
            return Span.wrap(SpanContext.create(newTraceId(random), newSpanId(random),
                    sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault()));
        }
        if (settings.tracing() && parentContext.isSampled()) {
            Span span = tracer().spanBuilder(name).setSpanKind(kind).setParent(parent).startSpan();
            SpanContext sc = span.getSpanContext();
            if (sc.isValid() && !sc.getSpanId().equals(parentContext.getSpanId())) {
                return span;
            }
        }
        return Span.wrap(SpanContext.create(parentContext.getTraceId(), newSpanId(random),
                parentContext.getTraceFlags(), parentContext.getTraceState()));
    }

    /**
     * The tracer's span for a trace started here that {@link #sampleRoot()} sampled, or null when tracing is off or
     * the tracer made no valid span context (no SDK): the caller then makes the ids itself.
     */
    Span startTracedRoot(String name, SpanKind kind) {
        if (!settings.tracing()) {
            return null;
        }
        Span span = tracer().spanBuilder(name).setSpanKind(kind).setNoParent().startSpan();
        return span.getSpanContext().isValid() ? span : null;
    }

    /**
     * Whether {@link #inject} writes nothing but {@code traceparent} for a context holding only a span without trace
     * state and no baggage: W3C Trace Context is the only trace format propagated (with or without W3C baggage).
     */
    boolean injectsTraceparentOnly() {
        return traceparentOnly;
    }

    private static String newTraceId(ThreadLocalRandom random) {
        long high = random.nextLong();
        return TraceId.fromLongs(high, traceIdLow(random, high));
    }

    /** The low half of a random trace-id whose high half is {@code high}: the two are never both zero. */
    static long traceIdLow(ThreadLocalRandom random, long high) {
        return high == 0 ? nonZeroLong(random) : random.nextLong();
    }

    private static String newSpanId(ThreadLocalRandom random) {
        return SpanId.fromLong(nonZeroLong(random));
    }

    /** A random long that is not zero (a valid span-id). */
    static long nonZeroLong(ThreadLocalRandom random) {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    /**
     * The labels of an endpoint as a destination, cached on the endpoint's state: its app and version labels, and
     * as principal the identity mTLS verified ({@code verifiedPeer}, else the endpoint's service account), or
     * {@code unknown} without mTLS, as Istio writes it.
     */
    PeerLabels destination(EndpointState state, boolean mutualTls, String verifiedPeer) {
        if (state == null) {
            return PeerLabels.unknown();
        }
        Object cached = state.attachment();
        DestinationLabels d;
        if (cached instanceof DestinationLabels) {
            d = (DestinationLabels) cached;
        } else {
            d = new DestinationLabels(state.endpoint(), trustDomain);
            state.attach(d);
        }
        if (!mutualTls) {
            return d.plain;
        }
        if (verifiedPeer == null || verifiedPeer.equals(d.mutual.principal())) {
            return d.mutual;
        }
        PeerLabels m = d.mutual;
        return new PeerLabels(m.workload(), m.namespace(), verifiedPeer, m.app(), m.version(), m.canonicalService(),
                m.canonicalRevision());
    }

    /** An endpoint's labels, with and without its principal. */
    private static final class DestinationLabels {
        final PeerLabels mutual;
        final PeerLabels plain;

        DestinationLabels(Endpoint e, String trustDomain) {
            String sa = e.serviceAccount();
            String principal = sa == null ? PeerLabels.UNKNOWN
                    : sa.startsWith("spiffe://") ? sa
                    : e.namespace() != null ? "spiffe://" + trustDomain + "/ns/" + e.namespace() + "/sa/" + sa
                    : PeerLabels.UNKNOWN;
            String ns = e.namespace() == null ? PeerLabels.UNKNOWN : e.namespace();
            this.mutual = labelsOf(e.labels(), PeerLabels.UNKNOWN, ns, principal, PeerLabels.UNKNOWN);
            this.plain = labelsOf(e.labels(), PeerLabels.UNKNOWN, ns, PeerLabels.UNKNOWN, PeerLabels.UNKNOWN);
        }
    }

    private static String encode(PeerLabels p) {
        String[] fields = {p.workload(), p.namespace(), p.app(), p.version(), p.canonicalService(),
                p.canonicalRevision()};
        for (String f : fields) {
            if (!validField(f, 0, f.length())) {
                return null;
            }
        }
        return String.join(";", fields);
    }

    /** Label values as Kubernetes allows them (at most 253 characters of letters, digits, {@code -_./}). */
    private static boolean validField(String s, int from, int to) {
        if (to <= from || to - from > 253) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' || c == '/')) {
                return false;
            }
        }
        return true;
    }

    /** This workload's {@link #PEER_HEADER} value, or null when a label cannot be sent. */
    public String peerHeader() {
        return peerHeader;
    }

    /**
     * The labels a verified peer claims in its {@link #PEER_HEADER}, or {@code fallback} when the claim is malformed,
     * names another namespace than the peer's certificate, or too many peers were seen already.
     */
    PeerLabels fromMetadata(String header, PeerLabels fallback) {
        String principal = fallback.principal();
        if (header == null || principal.equals(PeerLabels.UNKNOWN) || header.length() > 1024) {
            return fallback;
        }
        Claims claims = claimsByPrincipal.get(principal);
        if (claims == null) {
            if (claimsByPrincipal.size() >= MAX_PEERS) {
                return fallback;
            }
            claims = claimsByPrincipal.computeIfAbsent(principal, k -> new Claims());
        }
        PeerLabels p = claims.get(header);
        if (p != null) {
            return p;
        }
        p = parseClaim(header, fallback);
        if (p == null) {
            return fallback;
        }
        claims.put(header, p);
        return p;
    }

    private static PeerLabels parseClaim(String header, PeerLabels fallback) {
        String[] f = new String[6];
        int n = 0;
        int start = 0;
        for (int i = 0; i <= header.length(); i++) {
            if (i == header.length() || header.charAt(i) == ';') {
                if (n == 6 || !validField(header, start, i)) {
                    return null;
                }
                f[n++] = header.substring(start, i);
                start = i + 1;
            }
        }
        if (n != 6 || !f[1].equals(fallback.namespace())) {
            return null;
        }
        return new PeerLabels(f[0], f[1], fallback.principal(), f[2], f[3], f[4], f[5]);
    }

    /**
     * The last few claims of one peer identity (a workload's labels change with each rollout): keyed by the
     * verified identity, so that no peer can take another's labels and none can fill the cache for the others.
     */
    private static final class Claims {
        private static final int SIZE = 4;
        private final String[] headers = new String[SIZE];
        private final PeerLabels[] labels = new PeerLabels[SIZE];
        private int next;

        synchronized PeerLabels get(String header) {
            for (int i = 0; i < SIZE; i++) {
                if (header.equals(headers[i])) {
                    return labels[i];
                }
            }
            return null;
        }

        synchronized void put(String header, PeerLabels p) {
            headers[next] = header;
            labels[next] = p;
            next = (next + 1) % SIZE;
        }
    }

    /** The labels of an inbound peer known by its verified SPIFFE ID only; bounded. */
    PeerLabels source(SpiffeId peer) {
        if (peer == null) {
            return PeerLabels.unknown();
        }
        String uri = peer.uri();
        PeerLabels p = peersByPrincipal.get(uri);
        if (p != null) {
            return p;
        }
        if (peersByPrincipal.size() >= MAX_PEERS) {
            return PeerLabels.unknown();
        }
        String ns = peer.namespace();
        return peersByPrincipal.computeIfAbsent(uri, k -> new PeerLabels(PeerLabels.UNKNOWN,
                ns == null ? PeerLabels.UNKNOWN : ns, k, PeerLabels.UNKNOWN, PeerLabels.UNKNOWN, PeerLabels.UNKNOWN,
                PeerLabels.UNKNOWN));
    }

    /** Reads and writes the configured header formats. */
    public TextMapPropagator propagator() {
        return propagator;
    }

    /** The service this workload serves, for inbound metrics: {@code app.namespace.svc.cluster.local}. */
    public String selfService() {
        return selfService;
    }

    /** This workload's labels. */
    public PeerLabels self() {
        return self;
    }

    /** Istio's standard metrics, or null when no registry is configured. */
    public IstioMetrics istio() {
        return istio;
    }

    /** InMesh's own metrics ({@link MeshMetrics#NOOP} without a registry). */
    public MeshMetrics meshMetrics() {
        return meshMetrics;
    }
}

package io.inmesh.traffic.internal;

import io.inmesh.discovery.Endpoint;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.ResponseFlag;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.internal.lb.HashPolicy;
import io.inmesh.traffic.internal.lb.Hashing;
import io.inmesh.traffic.internal.lb.LoadBalancer;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The mesh's handling of one request, as a state machine an adapter drives: it performs no I/O. Order, as
 * CONVENTIONS.md #8 describes: fault injection first (an injected fault is never retried), then for each try:
 * connection-pool limit, endpoint choice (avoiding endpoints already tried), the try itself (by the adapter),
 * classification by the retry policy, outlier detection, retry limits and budget, back-off. The weighted
 * destination is chosen once per request, as Envoy chooses a weighted cluster once.
 *
 * <p>Not thread-safe: one request is driven by one thread at a time.
 */
public final class MeshCall implements Cluster.Avoid {

    /** What the adapter does after a try. */
    public enum Next { RETURN, RETRY, FAIL }

    private final TrafficPlane plane;
    private final TrafficPlane.State state;
    private final RouteDecision decision;
    private final RoutePlan plan;
    private final RequestView request;
    private long deadlineNanos = -1;
    private final long faultDelayNanos;
    private final boolean faultAbort;
    private final Target target;
    private final String targetHost;
    private final int targetPort;
    private final long hash;
    private final String generatedCookie;
    private Binding binding;
    private int flags;
    private int tries;
    private EndpointState firstTried;
    private EndpointState[] tried;
    private int failureStatus;
    private String failureDetail;
    private long backoffNanos;
    private Cluster retryPermit;
    private boolean shadow;

    MeshCall(TrafficPlane plane, TrafficPlane.State state, RouteDecision decision, RequestView request) {
        this.plane = plane;
        this.state = state;
        this.decision = decision;
        this.plan = decision.plan();
        this.request = request;
        RandomGenerator random = plane.random();
        FaultSpec fault = plan.fault;
        if (fault != null) {
            faultDelayNanos = fault.delayNanos > 0 && hit(fault.delayPercent, random) ? fault.delayNanos : 0;
            faultAbort = fault.hasAbort() && hit(fault.abortPercent, random);
        } else {
            faultDelayNanos = 0;
            faultAbort = false;
        }
        if (faultDelayNanos > 0) {
            flags |= ResponseFlag.DI.bit();
        }
        if (faultAbort) {
            flags |= ResponseFlag.FI.bit();
        }
        if (plan.targets.length > 0) {
            target = plan.targets.length == 1 ? plan.targets[0] : plan.pick(fraction(random));
            targetHost = target.host(decision.host());
            targetPort = target.port(decision.port());
            binding = null;
        } else {
            target = null;
            targetHost = null;
            targetPort = 0;
        }
        if (plan.status == RouteStatus.NO_ROUTE) {
            flags |= ResponseFlag.NR.bit();
        }
        long h = LoadBalancer.NO_HASH;
        String cookie = null;
        if (target != null) {
            binding = plane.bind(state, target, targetHost, targetPort);
            HashPolicy hp = binding.cluster == null ? null : binding.cluster.hashPolicy;
            if (hp != null) {
                h = hp.hash(request, plane.sourceAddress());
                if (h == LoadBalancer.NO_HASH && hp.generatesCookie()) {
                    cookie = Long.toHexString(random.nextLong() | Long.MIN_VALUE);
                    h = HashPolicy.hashKey(cookie);
                }
            }
        }
        this.hash = h;
        this.generatedCookie = cookie;
    }

    private double fraction(RandomGenerator random) {
        RoutePlan.StickyKey sticky = plan.sticky;
        if (sticky != null) {
            String key = sticky.cookie() ? request.cookie(sticky.name()) : request.header(sticky.name());
            if (key != null && !key.isEmpty()) {
                return (Hashing.hash64(key) >>> 11) * 0x1.0p-53;
            }
        }
        return random.nextDouble();
    }

    private static boolean hit(double percent, RandomGenerator random) {
        return percent >= 100 || (percent > 0 && random.nextDouble() * 100 < percent);
    }

    public RouteDecision decision() {
        return decision;
    }

    public RoutePlan plan() {
        return plan;
    }

    /**
     * The path to send, after {@code rewrite}: {@code rewrite.uri} replaces the matched prefix (the whole path after
     * an exact or regex match), {@code uriRegexRewrite} replaces every match in the path. The query is not touched.
     */
    public String path() {
        String path = request.path();
        RoutePlan.Rewrite rw = plan.rewrite;
        if (rw == null) {
            return path;
        }
        if (rw.uri() != null) {
            int prefix = decision.matchedPrefixLength();
            return prefix < 0 ? rw.uri() : rw.uri() + path.substring(Math.min(prefix, path.length()));
        }
        if (rw.regex() != null) {
            return rw.regex().matcher(path).replaceAll(rw.regexReplacement());
        }
        return path;
    }

    /** The authority to send: {@code rewrite.authority}, else the caller's; {@code -shadow} added on a mirror copy. */
    public String authority() {
        RoutePlan.Rewrite rw = plan.rewrite;
        String a = rw != null && rw.authority() != null ? rw.authority() : request.authority();
        return shadow ? shadow(a) : a;
    }

    /** Envoy's shadow authority: {@code host-shadow}, the port (if any) kept after it. */
    static String shadow(String authority) {
        int colon = authority.lastIndexOf(':');
        int bracket = authority.lastIndexOf(']');
        if (colon > bracket && (bracket >= 0 || authority.indexOf(':') == colon)) {
            return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
        }
        return authority + "-shadow";
    }

    /** True for the call of a mirrored copy. */
    public boolean isShadow() {
        return shadow;
    }

    /**
     * For {@link RouteStatus#REDIRECT}: the {@code Location}, built as Envoy does from the request and the
     * {@code redirect} fields (scheme, authority, port or derivePort, uri replacing the whole path; the query kept
     * unless the new uri has one).
     */
    public String redirectLocation() {
        var r = plan.redirect;
        String scheme = r.scheme() != null ? r.scheme() : request.scheme();
        String authority = r.authority() != null ? r.authority() : request.authority();
        String host = authority;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = host.substring(0, close + 1);
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        int defaultPort = "https".equals(scheme) ? 443 : 80;
        String hostPort;
        if (r.port() != null) {
            hostPort = r.port() == defaultPort ? host : host + ":" + r.port();
        } else if (r.derivePort() == io.inmesh.config.VirtualService.RedirectPortSelection.FROM_PROTOCOL_DEFAULT) {
            hostPort = host;
        } else if (r.derivePort() == io.inmesh.config.VirtualService.RedirectPortSelection.FROM_REQUEST_PORT) {
            hostPort = request.port() == defaultPort ? host : host + ":" + request.port();
        } else if (r.scheme() != null && !r.scheme().equals(request.scheme())) {
            // Envoy drops the port only when it is the old scheme's default (:80 from http, :443 from https)
            int oldDefault = "https".equals(request.scheme()) ? 443 : 80;
            hostPort = authority.endsWith(":" + oldDefault) ? host : authority;
        } else {
            hostPort = authority;
        }
        String path = r.uri() != null ? r.uri() : request.path();
        String query = path.indexOf('?') >= 0 || request.query() == null ? "" : "?" + request.query();
        return scheme + "://" + hostPort + path + query;
    }

    /** For {@link RouteStatus#REDIRECT}: the status (301 unless {@code redirectCode} says otherwise). */
    public int redirectStatus() {
        Integer code = plan.redirect.redirectCode();
        return code == null || code == 0 ? 301 : code;
    }

    /** Whether mirror {@code i} of the route copies this request (its percentage drawn at random). */
    public boolean mirrorHit(int i) {
        return hit(plan.mirrors[i].percentage(), plane.random());
    }

    /** A call for the copy of this request sent to mirror {@code i}, on the same snapshot. */
    public MeshCall mirror(int i) {
        RoutePlan copy = plan.mirrors[i].plan();
        MeshCall c = new MeshCall(plane, state, new RouteDecision(copy, decision.host(), decision.port(),
                decision.matchedPrefixLength()), request);
        c.shadow = true;
        return c;
    }

    /**
     * The adapter dropped the mirrored copy this call plans (see {@link #mirror}) instead of sending it: its queue
     * was full ({@code queueFull}) or the body could not be read twice. Counted per mirror host.
     */
    public void mirrorDropped(boolean queueFull) {
        if (targetHost == null) {
            return;
        }
        Cluster c = binding == null ? null : binding.cluster;
        (c != null ? c.meters : plane.metrics().destination(targetHost)).mirrorDropped(queueFull);
    }

    /** The fault-injected delay to wait before anything else, in nanoseconds (0: none). */
    public long faultDelayNanos() {
        return faultDelayNanos;
    }

    /** True when fault injection aborts this request: answer with {@link #abortHttpStatus} or the gRPC status. */
    public boolean faultAbort() {
        return faultAbort;
    }

    /** The chosen weighted destination, or null for redirects, direct responses and unmatched requests. */
    public Target target() {
        return target;
    }

    /** The destination host (fully qualified) of the chosen target. */
    public String targetHost() {
        return targetHost;
    }

    public int targetPort() {
        return targetPort;
    }

    /** A cookie value generated for consistent hashing, to be sent back with {@link #setCookieHeader}; or null. */
    public String setCookieHeader() {
        return generatedCookie == null ? null : binding.cluster.hashPolicy.setCookieHeader(generatedCookie);
    }

    /** Response flags so far, as {@link ResponseFlag} bits. */
    public int flags() {
        return flags;
    }

    /** Number of tries started. */
    public int tries() {
        return tries;
    }

    /** After {@link Next#FAIL} or a null {@link #nextTry}: the status to answer with. */
    public int failureStatus() {
        return failureStatus;
    }

    /** After a failure: Envoy-style text for the local reply body. */
    public String failureDetail() {
        return failureDetail;
    }

    /** After {@link Next#RETRY}: how long to back off, in nanoseconds. */
    public long backoffNanos() {
        return backoffNanos;
    }

    /**
     * Nanoseconds left before the overall timeout, or {@link Long#MAX_VALUE} when there is none. The route timeout
     * starts with the first try, after any injected delay, as Envoy's router starts it after the fault filter.
     */
    public long remainingNanos() {
        if (deadlineNanos == -1) {
            deadlineNanos = plan.timeoutNanos == 0 ? 0 : plane.nanoClock().getAsLong() + plan.timeoutNanos;
        }
        return deadlineNanos == 0 ? Long.MAX_VALUE : deadlineNanos - plane.nanoClock().getAsLong();
    }

    /**
     * The adapter gives up on this request (canceled, interrupted, or failed while preparing a try): returns a
     * retry permit taken for a retry that will not happen. Release started tries separately. Idempotent.
     */
    public void abandon() {
        if (retryPermit != null) {
            releaseRetryPermit(retryPermit);
            retryPermit = null;
        }
    }

    private static void releaseRetryPermit(Cluster c) {
        if (c.policy.retryBudget() != null) {
            c.retryBudget.releaseRetry();
        } else {
            c.limits.releaseRetry();
        }
    }

    @Override
    public boolean avoids(EndpointState s) {
        if (s == firstTried) {
            return true;
        }
        for (int i = 1; i < tries && tried != null; i++) {
            if (tried[i] == s) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts the next try: chooses the endpoint and takes the connection-pool permit. Null when the request must
     * be answered locally instead ({@link #failureStatus()}: 503 with NC, UH or UO; 504 with UT when the overall
     * timeout has passed).
     */
    public Try nextTry() {
        if (binding.cluster == null) {
            return fail(503, ResponseFlag.NC, binding.error);
        }
        long remaining = remainingNanos();
        if (remaining <= 0) {
            return fail(504, ResponseFlag.UT, "upstream request timeout");
        }
        Cluster cluster = binding.cluster;
        List<Endpoint> source = state.registry().endpoints(targetHost, targetPort);
        EndpointState endpoint = null;
        String address;
        int port;
        if (source == null || cluster.passthrough) {
            // DNS: the caller's own spelling of the host when routed to itself (it resolves where the caller runs)
            address = targetHost.equals(decision.host()) ? request.host() : targetHost;
            port = targetPort;
        } else {
            List<EndpointState> members = cluster.members(source);
            if (members.isEmpty()) {
                return fail(503, ResponseFlag.UH, "no healthy upstream");
            }
            boolean avoid = tries > 0 && (plan.retry.ignorePreviousHostsSet ? plan.retry.ignorePreviousHosts
                    : cluster.hashPolicy == null); // Istio: consistent hashing keeps retries on the hashed host
            endpoint = cluster.choose(members, avoid ? this : null, hash, plane.random());
            if (endpoint == null) {
                return fail(503, ResponseFlag.UH, "no healthy upstream");
            }
            address = endpoint.endpoint().address();
            port = endpoint.endpoint().port();
        }
        boolean retry = tries > 0;
        if (!cluster.limits.tryAcquireRequest()) {
            cluster.meters.requestOverflow();
            if (retry) { // a retry refused by the pool: the caller gets the last try's failure, flagged
                flags |= ResponseFlag.UO.bit();
            }
            return fail(503, ResponseFlag.UO, "upstream connect error or disconnect/reset before headers. reset"
                    + " reason: overflow");
        }
        if (endpoint != null) {
            endpoint.begin();
        }
        if (tries == 0) {
            firstTried = endpoint; // no array unless the request is retried
        } else {
            if (tried == null) {
                tried = new EndpointState[Math.max(4, plan.retry.attempts + 1)];
            } else if (tries == tried.length) {
                tried = Arrays.copyOf(tried, tries * 2);
            }
            tried[tries] = endpoint;
        }
        tries++;
        boolean holdsRetryPermit = retryPermit != null;
        retryPermit = null;
        long perTry = plan.retry.perTryTimeoutNanos;
        long timeout = perTry == 0 ? (remaining == Long.MAX_VALUE ? 0 : remaining) : Math.min(perTry, remaining);
        return new Try(cluster, endpoint, address, port, timeout, tries, retry, holdsRetryPermit);
    }

    private Try fail(int status, ResponseFlag flag, String detail) {
        abandon();
        failureStatus = status;
        failureDetail = detail;
        flags |= flag.bit();
        return null;
    }

    /**
     * The try produced a response head with {@code status}; {@code grpcStatus} is the {@code grpc-status} header
     * (-1 when absent), {@code rateLimited} whether {@code x-envoy-ratelimited} was present; {@code replayable}
     * whether the request body can be sent again. Returns {@link Next#RETRY} (after {@link #backoffNanos()}) or
     * {@link Next#RETURN}: hand this response to the caller.
     */
    public Next onResponse(Try t, int status, int grpcStatus, boolean rateLimited, boolean replayable) {
        if (t.endpoint != null) {
            t.cluster.outlier.onResponse(t.endpoint.health(), status, hostCount(t));
        }
        if (plan.retry.retriableResponse(status, grpcStatus, rateLimited)) {
            if (retryAllowed(t, replayable)) {
                return Next.RETRY;
            }
            if (t.number > plan.retry.attempts) {
                flags |= ResponseFlag.URX.bit();
            }
        }
        return Next.RETURN;
    }

    /**
     * The try failed without a response head. Returns {@link Next#RETRY} (after {@link #backoffNanos()}) or
     * {@link Next#FAIL}: answer locally with {@link #failureStatus()}.
     */
    public Next onFailure(Try t, TryFailure failure, boolean replayable) {
        if (t.endpoint != null) { // TLS failures too: Envoy counts them as connect failures
            t.cluster.outlier.onLocalFailure(t.endpoint.health(), hostCount(t));
        }
        boolean overall = failure == TryFailure.TIMEOUT && remainingNanos() <= 0;
        if (!overall && plan.retry.retriableFailure(failure) && retryAllowed(t, replayable)) {
            return Next.RETRY;
        }
        if (!overall && plan.retry.retriableFailure(failure) && t.number > plan.retry.attempts) {
            flags |= ResponseFlag.URX.bit();
        }
        flags |= failure.flag().bit();
        if (failure == TryFailure.TIMEOUT) {
            failureStatus = 504;
            failureDetail = "upstream request timeout";
        } else {
            failureStatus = 503;
            failureDetail = failure == TryFailure.CONNECT_FAILURE
                    ? "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
                    : failure == TryFailure.TLS_FAILURE
                    ? "upstream connect error or disconnect/reset before headers. reset reason: TLS error"
                    : "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
        }
        return Next.FAIL;
    }

    private static int hostCount(Try t) {
        return Math.max(1, t.cluster.memberCount());
    }

    private boolean retryAllowed(Try t, boolean replayable) {
        if (!replayable || t.number > plan.retry.attempts || faultAbort) {
            return false;
        }
        long remaining = remainingNanos();
        if (remaining <= 0) {
            return false;
        }
        Cluster c = t.cluster;
        // Envoy: a retry budget, when configured, replaces the maxRetries circuit breaker
        boolean permitted = c.policy.retryBudget() != null
                ? c.retryBudget.tryAcquireRetry(c.limits.activeRequests()) : c.limits.tryAcquireRetry();
        if (!permitted) {
            c.meters.retryOverflow();
            flags |= ResponseFlag.UO.bit();
            return false;
        }
        c.meters.retry();
        retryPermit = c;
        long delay = plan.retry.backoffPolicy.delayMillis(t.number, plane.random()) * 1_000_000L;
        backoffNanos = Math.min(delay, remaining);
        return true;
    }

    /** One try: where to send it and for how long. Release it when its response is done with. */
    public static final class Try {
        final Cluster cluster;
        final EndpointState endpoint;
        /** Address to connect to (IP or DNS name). */
        public final String address;
        public final int port;
        /** Time limit of this try in nanoseconds, 0 for none. */
        public final long timeoutNanos;
        /** 1 for the first try. */
        public final int number;
        final boolean isRetry;
        final boolean holdsRetryPermit;
        private boolean released;

        Try(Cluster cluster, EndpointState endpoint, String address, int port, long timeoutNanos, int number,
            boolean isRetry, boolean holdsRetryPermit) {
            this.holdsRetryPermit = holdsRetryPermit;
            this.cluster = cluster;
            this.endpoint = endpoint;
            this.address = address;
            this.port = port;
            this.timeoutNanos = timeoutNanos;
            this.number = number;
            this.isRetry = isRetry;
        }

        /** The endpoint chosen, or null when connecting to the host through DNS. */
        public Endpoint endpoint() {
            return endpoint == null ? null : endpoint.endpoint();
        }

        /** The chosen endpoint's runtime state, or null when connecting to the host through DNS. */
        public EndpointState endpointState() {
            return endpoint;
        }

        /**
         * The adapter sent this try's request again outside the retry policy ({@code staleConnection}: a GET on a
         * pooled connection found closed; else a resumed TLS session refused before sending): counted for the
         * destination.
         */
        public void resent(boolean staleConnection) {
            cluster.meters.resend(staleConnection);
        }

        /** The cluster's policy (TLS settings, for instance). */
        public DestinationPolicy policy() {
            return cluster.policy;
        }

        /** Gives back the connection-pool permit and the in-flight count. Idempotent. */
        public void release() {
            if (released) {
                return;
            }
            released = true;
            if (endpoint != null) {
                endpoint.end();
            }
            cluster.limits.releaseRequest();
            if (holdsRetryPermit) {
                releaseRetryPermit(cluster);
            }
        }
    }
}

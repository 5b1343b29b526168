package io.inmesh.traffic.internal;

import com.google.re2j.Pattern;
import io.inmesh.config.VirtualService.HttpDirectResponse;
import io.inmesh.config.VirtualService.HttpRedirect;
import io.inmesh.traffic.DestinationShare;
import io.inmesh.traffic.MirrorPolicy;
import io.inmesh.traffic.RouteStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Everything the mesh does for requests that take one route, computed once per snapshot: weighted targets with
 * prefix sums, timeout, retry policy, fault, mirrors, header operations, rewrite, redirect or direct response.
 * Shared by every request on the route; immutable apart from the targets' cluster caches.
 */
public final class RoutePlan {

    /**
     * A mirror target, the share of requests it copies, and the plan its copies follow (the one target, the route's
     * timeout and request-header operations, no retries, no fault, no further mirrors).
     */
    public record Mirror(Target target, double percentage, RoutePlan plan) {
    }

    /** {@code rewrite}: prefix/path replacement, regex rewrite of the path, authority. */
    public record Rewrite(String uri, Pattern regex, String regexReplacement, String authority) {
    }

    /** The request header or cookie whose value pins a caller to one weighted destination (sticky canary). */
    public record StickyKey(boolean cookie, String name) {
    }

    public final RouteStatus status;
    /** {@code namespace/name} of the VirtualService, or null. */
    public final String virtualService;
    public final int routeIndex;
    public final String routeName;
    public final Target[] targets;
    private final int[] cumulative;
    public final int totalWeight;
    /** Overall timeout in nanoseconds, 0 for none. */
    public final long timeoutNanos;
    public final RetrySpec retry;
    public final FaultSpec fault;
    public final Mirror[] mirrors;
    public final HeaderOps requestHeaders;
    public final HeaderOps responseHeaders;
    public final Rewrite rewrite;
    public final HttpRedirect redirect;
    public final int directStatus;
    public final byte[] directBody;
    public final StickyKey sticky;
    public final List<DestinationShare> shares;
    public final List<MirrorPolicy> mirrorPolicies;

    RoutePlan(RouteStatus status, String virtualService, int routeIndex, String routeName, Target[] targets,
              int[] weights, long timeoutNanos, RetrySpec retry, FaultSpec fault, Mirror[] mirrors,
              HeaderOps requestHeaders, HeaderOps responseHeaders, Rewrite rewrite, HttpRedirect redirect,
              HttpDirectResponse direct, StickyKey sticky) {
        this.status = status;
        this.virtualService = virtualService;
        this.routeIndex = routeIndex;
        this.routeName = routeName;
        this.targets = targets;
        this.cumulative = new int[targets.length];
        int sum = 0;
        for (int i = 0; i < targets.length; i++) {
            sum = Math.addExact(sum, targets.length == 1 ? 1 : Math.max(0, weights[i]));
            cumulative[i] = sum;
        }
        this.totalWeight = sum;
        this.timeoutNanos = timeoutNanos;
        this.retry = retry;
        this.fault = fault;
        this.mirrors = mirrors;
        this.requestHeaders = requestHeaders;
        this.responseHeaders = responseHeaders;
        this.rewrite = rewrite;
        this.redirect = redirect;
        this.directStatus = direct == null || direct.status() == null ? 0 : direct.status();
        this.directBody = direct == null || direct.body() == null ? new byte[0]
                : direct.body().string() != null ? direct.body().string().getBytes(StandardCharsets.UTF_8)
                : direct.body().bytes() != null ? Base64.getDecoder().decode(direct.body().bytes()) : new byte[0];
        this.sticky = sticky;
        List<DestinationShare> s = new ArrayList<>(targets.length);
        for (int i = 0; i < targets.length; i++) {
            Target t = targets[i];
            int w = Math.max(0, weights[i]);
            double share = targets.length == 1 ? 1.0 : w / (double) totalWeight;
            s.add(new DestinationShare(t.host, t.subset, t.port == 0 ? null : t.port, w, share));
        }
        this.shares = List.copyOf(s);
        List<MirrorPolicy> m = new ArrayList<>(mirrors.length);
        for (Mirror mi : mirrors) {
            m.add(new MirrorPolicy(mi.target().host, mi.target().subset,
                    mi.target().port == 0 ? null : mi.target().port, mi.percentage()));
        }
        this.mirrorPolicies = List.copyOf(m);
    }

    /** The target for a uniform {@code fraction} in [0, 1): the first whose cumulative share exceeds it. */
    public Target pick(double fraction) {
        if (targets.length == 1) {
            return targets[0];
        }
        long ticket = (long) (fraction * totalWeight);
        if (ticket >= totalWeight) {
            ticket = totalWeight - 1;
        }
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > ticket) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return targets[lo];
    }
}

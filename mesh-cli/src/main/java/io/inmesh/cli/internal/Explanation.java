package io.inmesh.cli.internal;

import io.inmesh.Workload;
import io.inmesh.config.DestinationRule;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.discovery.Endpoint;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.traffic.DestinationShare;
import io.inmesh.traffic.MirrorPolicy;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.internal.DestinationPolicy;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.RoutePlan;
import io.inmesh.traffic.internal.Router;
import io.inmesh.traffic.internal.TrafficPlane;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Everything {@code mesh explain} shows for one request, gathered once and rendered as text or JSON: the route
 * decision, and for each destination the traffic policy in force and the endpoints it reaches.
 *
 * @param method       the request's method
 * @param url          the request's URL, as given
 * @param caller       the calling workload
 * @param decision     the route decision
 * @param destinations the decision's destinations with their policy and endpoints, in the same order
 * @param mirrors      the decision's mirrors, in the same order
 * @param notes        findings worth a reader's attention (an undefined subset, no endpoints, ...), in order
 * @param redirect     for {@link RouteStatus#REDIRECT}: the answer the mesh gives; else null
 * @param upstream     for {@link RouteStatus#ROUTED} and {@link RouteStatus#PASSTHROUGH}: what is sent upstream
 *                     after {@code rewrite}; else null
 */
record Explanation(String method, String url, Workload caller, RouteDecision decision,
                   List<Destination> destinations, List<Mirror> mirrors, List<String> notes,
                   Redirect redirect, Upstream upstream) {

    /**
     * The redirect the mesh answers with.
     *
     * @param status   the HTTP status
     * @param location the {@code Location} header
     */
    record Redirect(int status, String location) {
    }

    /**
     * The request as sent upstream.
     *
     * @param authority the authority, after {@code rewrite.authority}
     * @param path      the path after {@code rewrite.uri} or {@code uriRegexRewrite}, with the request's query
     *                  (after {@code ?}) when it had one
     * @param rewritten whether a rewrite changed the authority or the path
     */
    record Upstream(String authority, String path, boolean rewritten) {
    }

    /**
     * One weighted destination as it will be called.
     *
     * @param share           the decision's destination
     * @param port            the port used: the destination's, else the request's
     * @param rule            the DestinationRule consulted ({@code namespace/name}), or null when none applies
     * @param policy          the traffic policy in force, or null when the subset is undefined
     * @param undefinedSubset why the subset cannot be used, or null
     * @param knownHost       whether the endpoint registry knows the host (else it is resolved through DNS)
     * @param endpoints       the endpoints the destination reaches (the subset's only); null when the registry gives
     *                        none for the host and port (the caller connects to the host as addressed)
     */
    record Destination(DestinationShare share, int port, String rule, DestinationPolicy policy,
                       String undefinedSubset, boolean knownHost, List<Endpoint> endpoints) {
    }

    /**
     * One mirror as it will be called.
     *
     * @param mirror          the decision's mirror
     * @param port            the port used: the mirror's, else the request's
     * @param undefinedSubset why the subset cannot be used, or null
     */
    record Mirror(MirrorPolicy mirror, int port, String undefinedSubset) {
    }

    Explanation {
        destinations = List.copyOf(destinations);
        mirrors = List.copyOf(mirrors);
        notes = List.copyOf(notes);
    }

    /** Routes {@code request} as {@code caller} would under {@code snapshot}, and gathers what applies. */
    static Explanation of(MeshSnapshot snapshot, Workload caller, RequestView request, String url) {
        // The traffic plane adapters use, so that route, redirect and rewrite are decided as they are at run time.
        // Starting a call also picks a weighted destination and draws fault injection at random; neither is shown.
        TrafficPlane plane = new TrafficPlane(caller, null, System::nanoTime, new Random(0));
        plane.update(snapshot);
        EndpointRegistry registry = plane.state().registry();
        MeshCall call = plane.start(request);
        RouteDecision decision = call.decision();
        List<String> notes = new ArrayList<>();

        Redirect redirect = null;
        Upstream upstream = null;
        if (decision.status() == RouteStatus.REDIRECT) {
            redirect = new Redirect(call.redirectStatus(), call.redirectLocation());
        } else if (decision.status() == RouteStatus.ROUTED || decision.status() == RouteStatus.PASSTHROUGH) {
            String path = call.path();
            String authority = call.authority();
            boolean rewritten = !path.equals(request.path()) || !authority.equals(request.authority());
            upstream = new Upstream(authority, request.query() == null ? path : path + "?" + request.query(),
                    rewritten);
        }

        if (decision.status() == RouteStatus.PASSTHROUGH && snapshot.destinationRulesFor(decision.host()).isEmpty()
                && !registry.knows(decision.host())) {
            notes.add(decision.host() + " is not known to the mesh (no VirtualService, DestinationRule or"
                    + " ServiceEntry names it): the request goes out as addressed, resolved through DNS");
        }

        List<Destination> destinations = new ArrayList<>();
        for (DestinationShare s : decision.destinations()) {
            destinations.add(destination(snapshot, caller, registry, decision, s, notes));
        }

        List<Mirror> mirrors = new ArrayList<>();
        for (MirrorPolicy m : decision.mirrors()) {
            int port = m.port() != null ? m.port() : decision.port();
            String undefined = null;
            try {
                DestinationPolicy.resolve(snapshot, caller.namespace(), m.host(), m.subset(), port);
            } catch (DestinationPolicy.UndefinedSubsetException e) {
                undefined = e.getMessage();
                notes.add("undefined subset: " + undefined + "; the mirror's copies cannot be sent");
            }
            mirrors.add(new Mirror(m, port, undefined));
        }

        RoutePlan.StickyKey sticky = decision.plan().sticky;
        if (sticky != null) {
            notes.add("sticky canary (annotation " + Router.STICKY_ANNOTATION + "): the weighted split is chosen by"
                    + " a hash of " + (sticky.cookie() ? "cookie " : "header ") + sticky.name()
                    + ", so one caller stays on one destination");
        }
        return new Explanation(request.method(), url, caller, decision, destinations, mirrors, notes, redirect,
                upstream);
    }

    private static Destination destination(MeshSnapshot snapshot, Workload caller, EndpointRegistry registry,
                                           RouteDecision decision, DestinationShare s, List<String> notes) {
        int port = s.port() != null ? s.port() : decision.port();
        DestinationRule dr = snapshot.destinationRuleFor(s.host(), caller.namespace());
        String rule = dr == null ? null : dr.metadata().namespace() + "/" + dr.metadata().name();
        boolean known = registry.knows(s.host());
        DestinationPolicy policy;
        try {
            policy = DestinationPolicy.resolve(snapshot, caller.namespace(), s.host(), s.subset(), port);
        } catch (DestinationPolicy.UndefinedSubsetException e) {
            notes.add("undefined subset: " + e.getMessage()
                    + "; requests routed to it fail with 503 (response flag NC: no cluster)");
            return new Destination(s, port, rule, null, e.getMessage(), known, List.of());
        }
        List<Endpoint> all = registry.endpoints(s.host(), port);
        if (all == null && s.subset() != null) {
            notes.add("subset " + s.subset() + " of " + s.host() + ":" + port + " cannot be selected: no endpoint"
                    + " registry knows the host's endpoints, so there are no labels to select by (declare them in a"
                    + " ServiceEntry); requests routed to it fail with 503 (response flag NC: no cluster)");
        }
        List<Endpoint> reached = all;
        if (all != null && policy.subsetLabels() != null) {
            reached = new ArrayList<>();
            for (Endpoint e : all) {
                if (e.hasLabels(policy.subsetLabels())) {
                    reached.add(e);
                }
            }
            reached = List.copyOf(reached);
        }
        if (reached != null && reached.isEmpty()) {
            notes.add("no endpoint of " + s.host() + " port " + port + (s.subset() == null ? ""
                    : all.isEmpty() ? " (subset " + s.subset() + ")" : " has the labels of subset " + s.subset()
                    + " (" + labels(policy.subsetLabels()) + ")")
                    + ": requests sent there fail with 503 (response flag UH: no healthy upstream)");
        }
        return new Destination(s, port, rule, policy, null, known, reached);
    }

    /** {@code k=v,k=v} sorted by key; empty for no labels. */
    static String labels(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        for (var e : new TreeMap<>(labels).entrySet()) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }
}

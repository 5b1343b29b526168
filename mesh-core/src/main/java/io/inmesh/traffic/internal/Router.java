package io.inmesh.traffic.internal;

import com.google.re2j.Pattern;
import io.inmesh.Workload;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.VirtualService;
import io.inmesh.config.VirtualService.HttpRoute;
import io.inmesh.config.internal.compile.CompiledDestination;
import io.inmesh.config.internal.compile.CompiledHttpRoute;
import io.inmesh.config.internal.compile.CompiledMatch;
import io.inmesh.config.internal.compile.CompiledVirtualService;
import io.inmesh.config.internal.compile.SnapshotCompiler;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Route selection for one snapshot, as seen by one workload (its namespace resolves short host names, its labels
 * and namespace meet {@code sourceLabels}/{@code sourceNamespace}). Compiled off the request path when a snapshot
 * arrives; {@link #route} allocates only the decision once a host has been seen.
 */
public final class Router {
    /** The VirtualService annotation that turns on sticky canaries: {@code header:NAME}, {@code cookie:NAME}. */
    public static final String STICKY_ANNOTATION = "inmesh.io/sticky-canary";

    private static final int CACHE_LIMIT = 10_000;

    private record PlannedRoute(CompiledMatch[][] alternatives, RoutePlan plan) {
    }

    private record VsPlan(RouteTable table, RoutePlan noRoute) {
    }

    private final MeshSnapshot snapshot;
    private final Workload self;
    private final EndpointRegistry registry;
    private final String namespaceSuffix;
    private final String clusterSuffix;
    private final IdentityHashMap<CompiledVirtualService, VsPlan> plans = new IdentityHashMap<>();
    private final Map<String, String> resolved = new ConcurrentHashMap<>();
    private final Map<String, RoutePlan> passthrough = new ConcurrentHashMap<>();

    private Router(MeshSnapshot snapshot, Workload self, EndpointRegistry registry) {
        this.snapshot = snapshot;
        this.self = self;
        this.registry = registry;
        String domain = snapshot.options().clusterDomain();
        this.namespaceSuffix = "." + self.namespace() + ".svc." + domain;
        this.clusterSuffix = "." + domain;
    }

    /** Compiles the routes of {@code snapshot} for calls made by {@code self}. */
    public static Router compile(MeshSnapshot snapshot, Workload self, EndpointRegistry registry) {
        Router r = new Router(snapshot, self, registry);
        for (CompiledVirtualService c : snapshot.compiledVirtualServices()) {
            r.plans.put(c, r.plan(c));
        }
        return r;
    }

    public MeshSnapshot snapshot() {
        return snapshot;
    }

    public Workload self() {
        return self;
    }

    /** Decides the route of {@code request}. */
    public RouteDecision route(RequestView request) {
        String host = resolveHost(request.host());
        int port = request.port();
        List<CompiledVirtualService> vss = snapshot.virtualServicesFor(host);
        if (vss.isEmpty()) {
            return new RouteDecision(passthroughPlan(host), host, port, -1);
        }
        VsPlan vp = plans.get(vss.get(0)); // every compiled VirtualService was planned in compile()
        long selected = vp.table().select(request, port);
        if (selected >= 0) {
            return new RouteDecision(vp.table().plan((int) (selected >>> 32)), host, port, (int) selected);
        }
        return new RouteDecision(vp.noRoute(), host, port, -1);
    }

    /**
     * The fully qualified name of a host as the caller addressed it: a short name completes in the caller's
     * namespace ({@code reviews} to {@code reviews.<ns>.svc.<domain>}); {@code name.namespace} and
     * {@code name.namespace.svc} complete to the cluster domain when that name is known to the mesh; other names
     * stay as they are.
     */
    public String resolveHost(String host) {
        String r = resolved.get(host);
        if (r != null) {
            return r;
        }
        r = computeHost(host);
        // "name.ns" that no one knows yet stays uncached: a registry (Kubernetes) may learn the service later
        if (resolved.size() < CACHE_LIMIT && (r != host || completion(host) == null || known(host))) {
            resolved.put(host, r);
        }
        return r;
    }

    /** The cluster-domain completion tried for {@code name.ns} and {@code name.ns.svc}, else null. */
    private String completion(String host) {
        if (host.indexOf(':') >= 0 || host.endsWith(clusterSuffix)) {
            return null;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            if (host.charAt(i) == '.') {
                dots++;
            }
        }
        if (dots == 1) {
            return host + ".svc" + clusterSuffix;
        }
        return dots == 2 && host.endsWith(".svc") ? host + clusterSuffix : null;
    }

    private String computeHost(String host) {
        if (host.indexOf('.') < 0 && host.indexOf(':') < 0) {
            return host + namespaceSuffix;
        }
        if (known(host) || host.indexOf(':') >= 0 || host.endsWith(clusterSuffix)) {
            return host;
        }
        String candidate = completion(host);
        return candidate != null && known(candidate) ? candidate : host;
    }

    private boolean known(String host) {
        return !snapshot.virtualServicesFor(host).isEmpty() || !snapshot.destinationRulesFor(host).isEmpty()
                || registry.knows(host);
    }

    private RoutePlan passthroughPlan(String host) {
        RoutePlan p = passthrough.get(host);
        if (p == null) {
            p = new RoutePlan(RouteStatus.PASSTHROUGH, null, -1, null,
                    new Target[] {new Target(host, null, 0, HeaderOps.NONE, HeaderOps.NONE)}, new int[] {100}, 0,
                    RetrySpec.of(null), null, new RoutePlan.Mirror[0], HeaderOps.NONE, HeaderOps.NONE, null, null,
                    null, null);
            if (passthrough.size() < CACHE_LIMIT) {
                RoutePlan prev = passthrough.putIfAbsent(host, p);
                if (prev != null) {
                    p = prev;
                }
            }
        }
        return p;
    }

    // ---- compilation

    private VsPlan plan(CompiledVirtualService c) {
        VirtualService vs = c.source();
        String key = vs.metadata().namespace() + "/" + vs.metadata().name();
        RoutePlan.StickyKey sticky = sticky(vs);
        List<PlannedRoute> routes = new ArrayList<>();
        for (CompiledHttpRoute route : c.routes()) {
            HttpRoute h = route.source();
            CompiledMatch[][] own = alternatives(route.matches());
            if (h.delegate() != null) {
                VirtualService d = delegate(h.delegate(), vs.metadata().namespace());
                if (d == null) {
                    continue; // validation reports a missing delegate; nothing to route to
                }
                CompiledVirtualService dc = SnapshotCompiler.compile(d, snapshot.options().clusterDomain());
                for (CompiledHttpRoute inner : dc.routes()) {
                    CompiledMatch[][] combined = combine(own, alternatives(inner.matches()));
                    HttpRoute merged = inherit(h, inner.source());
                    String innerName = inner.source().name();
                    String name = innerName == null ? route.name()
                            : h.name() == null ? innerName : h.name() + "-" + innerName;
                    boolean ownMirrors = inner.source().mirror() != null || inner.source().mirrors() != null;
                    routes.add(new PlannedRoute(combined, plan(merged, inner,
                            ownMirrors ? inner.mirrors() : route.mirrors(), key, route.index(), name, sticky)));
                }
                continue;
            }
            routes.add(new PlannedRoute(own, plan(route, key, route.index(), route.name(), sticky)));
        }
        RoutePlan noRoute = new RoutePlan(RouteStatus.NO_ROUTE, key, -1, null, new Target[0], new int[0], 0,
                RetrySpec.NONE, null, new RoutePlan.Mirror[0], HeaderOps.NONE, HeaderOps.NONE, null, null, null,
                null);
        List<CompiledMatch[][]> alternatives = new ArrayList<>(routes.size());
        List<RoutePlan> plans = new ArrayList<>(routes.size());
        for (PlannedRoute pr : routes) {
            alternatives.add(pr.alternatives());
            plans.add(pr.plan());
        }
        return new VsPlan(RouteTable.build(alternatives, plans, self), noRoute);
    }

    /**
     * Istio's mergeHTTPRoute: a delegate's rule takes the root rule's rewrite, timeout, retries, fault, mirror(s),
     * CORS policy and headers where it sets none of its own.
     */
    static HttpRoute inherit(HttpRoute root, HttpRoute d) {
        boolean ownMirror = d.mirror() != null || d.mirrors() != null;
        return new HttpRoute(d.name(), d.match(), d.route(), d.redirect(), d.directResponse(), d.delegate(),
                d.rewrite() != null ? d.rewrite() : root.rewrite(),
                d.timeout() != null ? d.timeout() : root.timeout(),
                d.retries() != null ? d.retries() : root.retries(),
                d.fault() != null ? d.fault() : root.fault(),
                ownMirror ? d.mirror() : root.mirror(),
                ownMirror ? d.mirrors() : root.mirrors(),
                ownMirror ? d.mirrorPercentage() : root.mirrorPercentage(),
                ownMirror ? d.mirrorPercent() : root.mirrorPercent(),
                d.corsPolicy() != null ? d.corsPolicy() : root.corsPolicy(),
                d.headers() != null ? d.headers() : root.headers());
    }

    private VirtualService delegate(VirtualService.Delegate d, String defaultNamespace) {
        String ns = d.namespace() != null ? d.namespace() : defaultNamespace;
        for (VirtualService vs : snapshot.resources(VirtualService.class)) {
            if (vs.metadata().name().equals(d.name()) && vs.metadata().namespace().equals(ns)) {
                return vs;
            }
        }
        return null;
    }

    private static CompiledMatch[][] alternatives(List<CompiledMatch> matches) {
        CompiledMatch[][] out = new CompiledMatch[matches.size()][];
        for (int i = 0; i < matches.size(); i++) {
            out[i] = new CompiledMatch[] {matches.get(i)};
        }
        return out;
    }

    private static CompiledMatch[][] combine(CompiledMatch[][] outer, CompiledMatch[][] inner) {
        if (outer.length == 0) {
            return inner;
        }
        if (inner.length == 0) {
            return outer;
        }
        List<CompiledMatch[]> out = new ArrayList<>();
        for (CompiledMatch[] o : outer) {
            for (CompiledMatch[] i : inner) {
                CompiledMatch[] both = new CompiledMatch[o.length + i.length];
                System.arraycopy(o, 0, both, 0, o.length);
                System.arraycopy(i, 0, both, o.length, i.length);
                out.add(both);
            }
        }
        return out.toArray(new CompiledMatch[0][]);
    }

    private static RoutePlan.StickyKey sticky(VirtualService vs) {
        Map<String, String> annotations = vs.metadata().annotations();
        String spec = annotations == null ? null : annotations.get(STICKY_ANNOTATION);
        if (spec == null || spec.isBlank()) {
            return null;
        }
        spec = spec.trim();
        if (spec.startsWith("cookie:")) {
            return new RoutePlan.StickyKey(true, spec.substring("cookie:".length()).trim());
        }
        if (spec.startsWith("header:")) {
            spec = spec.substring("header:".length()).trim();
        }
        return new RoutePlan.StickyKey(false, spec.toLowerCase(java.util.Locale.ROOT));
    }

    private static RoutePlan plan(CompiledHttpRoute route, String vsKey, int index, String name,
                                  RoutePlan.StickyKey sticky) {
        return plan(route.source(), route, route.mirrors(), vsKey, index, name, sticky);
    }

    /**
     * Plans rule {@code h}, whose destinations are compiled in {@code route} and whose mirror destinations are
     * {@code compiledMirrors} (a delegate's rule may carry its root rule's fields, see {@link #inherit}).
     */
    private static RoutePlan plan(HttpRoute h, CompiledHttpRoute route, List<CompiledDestination> compiledMirrors,
                                  String vsKey, int index, String name, RoutePlan.StickyKey sticky) {
        RouteStatus status = h.redirect() != null ? RouteStatus.REDIRECT
                : h.directResponse() != null ? RouteStatus.DIRECT_RESPONSE : RouteStatus.ROUTED;
        Target[] targets = new Target[0];
        int[] weights = new int[0];
        if (route.destinations() != null) {
            List<CompiledDestination> ds = route.destinations().destinations();
            targets = new Target[ds.size()];
            weights = new int[ds.size()];
            for (int i = 0; i < ds.size(); i++) {
                CompiledDestination d = ds.get(i);
                targets[i] = target(d);
                Integer w = h.route().get(i).weight();
                weights[i] = w == null ? 0 : w;
            }
        }
        long timeout = h.timeout() == null || h.timeout().isNegative() ? 0 : h.timeout().toNanos();
        var headers = h.headers();
        HeaderOps requestOps = HeaderOps.of(headers == null ? null : headers.request());
        RoutePlan.Rewrite rewrite = null;
        if (h.rewrite() != null) {
            var rw = h.rewrite();
            Pattern regex = null;
            String replacement = null;
            if (rw.uriRegexRewrite() != null && rw.uriRegexRewrite().match() != null) {
                regex = Pattern.compile(rw.uriRegexRewrite().match());
                replacement = envoySubstitution(rw.uriRegexRewrite().rewrite());
            }
            rewrite = new RoutePlan.Rewrite(blankToNull(rw.uri()), regex, replacement, blankToNull(rw.authority()));
        }
        List<RoutePlan.Mirror> mirrors = new ArrayList<>();
        List<Double> percentages = new ArrayList<>();
        if (h.mirror() != null) {
            percentages.add(FaultSpec.percent(h.mirrorPercentage(), h.mirrorPercent()));
        }
        if (h.mirrors() != null) {
            for (var mp : h.mirrors()) {
                percentages.add(FaultSpec.percent(mp.percentage(), null));
            }
        }
        for (int m = 0; m < percentages.size(); m++) {
            Target t = target(compiledMirrors.get(m));
            RoutePlan copyPlan = new RoutePlan(RouteStatus.ROUTED, vsKey, index, name, new Target[] {t},
                    new int[] {1}, timeout, RetrySpec.NONE, null, new RoutePlan.Mirror[0], requestOps,
                    HeaderOps.NONE, rewrite, null, null, null);
            mirrors.add(new RoutePlan.Mirror(t, percentages.get(m), copyPlan));
        }
        return new RoutePlan(status, vsKey, index, name, targets, weights, timeout, RetrySpec.of(h.retries()),
                FaultSpec.of(h.fault()), mirrors.toArray(new RoutePlan.Mirror[0]), requestOps,
                HeaderOps.of(headers == null ? null : headers.response()), rewrite, h.redirect(), h.directResponse(),
                targets.length > 1 ? sticky : null);
    }

    private static Target target(CompiledDestination d) {
        var headers = d.headers();
        return new Target(d.host(), d.subset(), d.port() == null ? 0 : d.port(),
                HeaderOps.of(headers == null ? null : headers.request()),
                HeaderOps.of(headers == null ? null : headers.response()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Envoy's substitution ({@code \1} for group 1) in RE2J's syntax ({@code $1}); a literal {@code $} escaped. */
    static String envoySubstitution(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                b.append('$').append(s.charAt(++i));
            } else if (c == '$' || c == '\\') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Timeout of a rule as a Duration, for display. */
    static Duration duration(long nanos) {
        return nanos == 0 ? null : Duration.ofNanos(nanos);
    }
}

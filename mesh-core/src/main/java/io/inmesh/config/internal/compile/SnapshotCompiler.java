package io.inmesh.config.internal.compile;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.DestinationRule;
import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshResource;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.config.VirtualService;
import io.inmesh.config.VirtualService.HttpMatchRequest;
import io.inmesh.config.VirtualService.HttpRoute;
import io.inmesh.config.internal.Canonical;
import io.inmesh.config.internal.Hosts;
import io.inmesh.config.internal.LoadedResource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a valid set of resources into an immutable {@link CompiledConfig}. */
public final class SnapshotCompiler {
    private SnapshotCompiler() {
    }

    /** The content hash of a resource set: SHA-256 over the sorted resource hashes; layout and order ignored. */
    public static String version(List<LoadedResource> resources) {
        List<String> canon = new ArrayList<>(resources.size());
        for (LoadedResource r : resources) {
            canon.add(r.contentHash());
        }
        canon.sort(null);
        return Canonical.sha256(md -> {
            for (String c : canon) {
                md.update(c.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
        });
    }

    /** Compiles {@code resources}, which must be valid. */
    public static CompiledConfig compile(List<LoadedResource> resources, ConfigOptions options, Instant now) {
        return compile(resources, version(resources), options, now);
    }

    /** Compiles {@code resources}, which must be valid, whose {@link #version} is known. */
    public static CompiledConfig compile(List<LoadedResource> resources, String version, ConfigOptions options,
                                         Instant now) {
        List<MeshResource> all = new ArrayList<>(resources.size());
        for (LoadedResource r : resources) {
            all.add(r.resource());
        }
        all.sort(Comparator.comparing(MeshResource::kind).thenComparing(MeshResource::key));
        String domain = options.clusterDomain();

        Map<String, List<CompiledVirtualService>> byHost = new LinkedHashMap<>();
        Map<String, List<DestinationRule>> rules = new LinkedHashMap<>();
        List<PeerAuthentication> peer = new ArrayList<>();
        List<AuthorizationPolicy> authz = new ArrayList<>();
        List<RequestAuthentication> jwt = new ArrayList<>();
        List<LocalRateLimit> limits = new ArrayList<>();
        for (MeshResource r : all) {
            if (r instanceof VirtualService vs) {
                if (!appliesToMesh(vs)) {
                    continue;
                }
                CompiledVirtualService c = compile(vs, domain);
                for (String h : c.hosts()) {
                    byHost.computeIfAbsent(h, k -> new ArrayList<>()).add(c);
                }
            } else if (r instanceof DestinationRule dr) {
                String host = Hosts.resolve(dr.spec().host(), dr.metadata().namespace(), domain);
                rules.computeIfAbsent(host, k -> new ArrayList<>()).add(dr);
            } else if (r instanceof PeerAuthentication pa) {
                peer.add(pa);
            } else if (r instanceof AuthorizationPolicy ap) {
                if (ap.spec().targetRef() == null && ap.spec().targetRefs() == null) {
                    authz.add(ap); // a policy for Gateway API targets does not apply in-process
                }
            } else if (r instanceof RequestAuthentication ra) {
                if (ra.spec().targetRef() == null && ra.spec().targetRefs() == null) {
                    jwt.add(ra);
                }
            } else if (r instanceof LocalRateLimit rl) {
                limits.add(rl);
            }
        }
        String root = options.rootNamespace();
        return new CompiledConfig(version, now, options, all, new HostTable<>(freeze(byHost)),
                new HostTable<>(freeze(rules)),
                new PolicyIndex<>(peer, p -> p.spec().selector(), root, PolicyIndex.RootSelectors.IGNORED),
                new PolicyIndex<>(authz, p -> p.spec().selector(), root, PolicyIndex.RootSelectors.MESH_WIDE),
                new PolicyIndex<>(jwt, p -> p.spec().selector(), root, PolicyIndex.RootSelectors.MESH_WIDE),
                new PolicyIndex<>(limits, p -> p.spec().selector(), root, PolicyIndex.RootSelectors.MESH_WIDE));
    }

    private static boolean appliesToMesh(VirtualService vs) {
        var g = vs.spec().gateways();
        return g == null || g.isEmpty() || g.contains("mesh");
    }

    /** Compiles one VirtualService (also used for delegates, which have no hosts). */
    public static CompiledVirtualService compile(VirtualService vs, String domain) {
        String ns = vs.metadata().namespace();
        List<String> hosts = new ArrayList<>();
        for (String h : list(vs.spec().hosts())) {
            hosts.add(Hosts.resolve(h, ns, domain));
        }
        List<CompiledHttpRoute> routes = new ArrayList<>();
        List<HttpRoute> http = list(vs.spec().http());
        for (int i = 0; i < http.size(); i++) {
            routes.add(compile(http.get(i), i, ns, domain));
        }
        return new CompiledVirtualService(vs, List.copyOf(hosts), List.copyOf(routes));
    }

    private static CompiledHttpRoute compile(HttpRoute h, int index, String ns, String domain) {
        List<CompiledMatch> matches = new ArrayList<>();
        for (HttpMatchRequest m : list(h.match())) {
            matches.add(compile(m));
        }
        WeightedDestinations destinations = null;
        if (h.route() != null && !h.route().isEmpty()) {
            List<CompiledDestination> ds = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            for (var rd : h.route()) {
                ds.add(destination(rd.destination(), rd.headers(), ns, domain));
                weights.add(rd.weight());
            }
            destinations = new WeightedDestinations(ds, weights);
        }
        List<CompiledDestination> mirrors = new ArrayList<>();
        if (h.mirror() != null) {
            mirrors.add(destination(h.mirror(), null, ns, domain));
        }
        for (var m : list(h.mirrors())) {
            mirrors.add(destination(m.destination(), null, ns, domain));
        }
        String name = h.name() != null ? h.name() : "http[" + index + "]";
        return new CompiledHttpRoute(h, index, name, List.copyOf(matches), destinations, List.copyOf(mirrors));
    }

    private static CompiledDestination destination(VirtualService.Destination d, VirtualService.Headers headers,
                                                   String ns, String domain) {
        Integer port = d.port() == null ? null : d.port().number();
        return new CompiledDestination(d, Hosts.resolve(d.host(), ns, domain), d.subset(), port, headers);
    }

    private static CompiledMatch compile(HttpMatchRequest m) {
        boolean ignoreCase = Boolean.TRUE.equals(m.ignoreUriCase());
        return new CompiledMatch(m,
                m.uri() == null ? null : StringMatcher.of(m.uri(), ignoreCase),
                m.scheme() == null ? null : StringMatcher.of(m.scheme(), false),
                m.method() == null ? null : StringMatcher.of(m.method(), false),
                m.authority() == null ? null : StringMatcher.of(m.authority(), false),
                named(m.headers(), false),
                named(m.withoutHeaders(), true),
                named(m.queryParams(), false),
                m.port(),
                m.sourceLabels() == null ? Map.of() : m.sourceLabels(),
                m.sourceNamespace(),
                m.gateways() == null || m.gateways().isEmpty() || m.gateways().contains("mesh"));
    }

    private static List<CompiledMatch.NamedMatcher> named(Map<String, io.inmesh.config.StringMatch> map,
                                                          boolean starMeansPresent) {
        if (map == null) {
            return List.of();
        }
        List<CompiledMatch.NamedMatcher> out = new ArrayList<>();
        for (var e : map.entrySet()) {
            var v = e.getValue();
            // In withoutHeaders, regex "*" is Istio's spelling of "present".
            boolean presence = v == null || (starMeansPresent && "*".equals(v.regex()));
            out.add(new CompiledMatch.NamedMatcher(e.getKey().toLowerCase(Locale.ROOT),
                    presence ? StringMatcher.of(null, false) : StringMatcher.of(v, false)));
        }
        return List.copyOf(out);
    }

    private static <K, V> Map<K, List<V>> freeze(Map<K, List<V>> m) {
        Map<K, List<V>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Map.copyOf(out);
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}

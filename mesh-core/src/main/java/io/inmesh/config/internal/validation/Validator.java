package io.inmesh.config.internal.validation;

import static io.inmesh.config.internal.validation.Report.q;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.DestinationRule;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshResource;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.config.ServiceEntry;
import io.inmesh.config.VirtualService;
import io.inmesh.config.VirtualService.HttpMatchRequest;
import io.inmesh.config.WorkloadEntry;
import io.inmesh.config.internal.Hosts;
import io.inmesh.config.internal.LoadedResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Istio's validation rules for every kind, then checks across resources. */
public final class Validator {
    private final ConfigOptions options;

    public Validator(ConfigOptions options) {
        this.options = options;
    }

    /** Every rule: each resource's own, then those across resources. */
    public List<Diagnostic> validate(List<LoadedResource> resources) {
        List<Diagnostic> out = new ArrayList<>();
        for (LoadedResource lr : resources) {
            out.addAll(validateResource(lr));
        }
        out.addAll(validateSet(resources));
        return out;
    }

    /** The rules that look at one resource alone; their result depends on nothing else. */
    public List<Diagnostic> validateResource(LoadedResource lr) {
        List<Diagnostic> out = new ArrayList<>();
        Report r = new Report(lr, out);
        MeshResource res = lr.resource();
        metadata(res, r);
        if (res instanceof VirtualService vs) {
            VirtualServiceRules.validate(vs, r);
            unreachableRules(vs, r);
        } else if (res instanceof DestinationRule dr) {
            DestinationRuleRules.validate(dr, r);
        } else if (res instanceof ServiceEntry se) {
            ServiceEntryRules.validate(se, r);
        } else if (res instanceof WorkloadEntry we) {
            ServiceEntryRules.validate(we, r);
        } else if (res instanceof PeerAuthentication pa) {
            SecurityRules.validate(pa, r, options);
        } else if (res instanceof AuthorizationPolicy ap) {
            SecurityRules.validate(ap, r);
        } else if (res instanceof RequestAuthentication ra) {
            SecurityRules.validate(ra, r);
        } else if (res instanceof LocalRateLimit rl) {
            LocalRateLimitRules.validate(rl, r);
        }
        return out;
    }

    /** The rules across resources: duplicates, undefined subsets, hosts claimed twice. */
    public List<Diagnostic> validateSet(List<LoadedResource> resources) {
        List<Diagnostic> out = new ArrayList<>();
        Map<String, LoadedResource> seen = new HashMap<>();
        for (LoadedResource lr : resources) {
            MeshResource res = lr.resource();
            LoadedResource first = seen.putIfAbsent(res.kind() + " " + res.key(), lr);
            if (first != null && res.metadata().name() != null) {
                new Report(lr, out).error("metadata.name", res.kind() + " " + res.key()
                        + " is defined twice; the first is at " + first.file() + ":" + first.line());
            }
        }
        crossResource(resources, out);
        return out;
    }

    private static void metadata(MeshResource res, Report r) {
        String name = res.metadata().name();
        if (name != null && !name.isEmpty() && !Checks.isDns1123Subdomain(name)) {
            r.error("metadata.name", "name " + q(name) + " is not a valid DNS-1123 subdomain (lower-case letters,"
                    + " digits, '-' and '.')");
        }
        String ns = res.metadata().namespace();
        if (ns != null && !Checks.isDns1123Label(ns)) {
            r.error("metadata.namespace", "namespace " + q(ns) + " is not a valid DNS-1123 label");
        }
    }

    /**
     * Rules an earlier rule makes unreachable: after a catch-all, or when every match block is already matched by
     * an earlier block (the same block, or a URI prefix that covers it with all else equal).
     */
    private static void unreachableRules(VirtualService vs, Report r) {
        List<VirtualService.HttpRoute> http = Checks.list(vs.spec().http());
        List<int[]> earlierBlocks = new ArrayList<>(); // {rule, block}
        int catchAll = -1;
        for (int i = 0; i < http.size(); i++) {
            var rule = http.get(i);
            String p = "spec.http[" + i + "]";
            if (catchAll >= 0) {
                r.warning(p, "unreachable: spec.http[" + catchAll + "] before it matches every request");
                continue;
            }
            List<HttpMatchRequest> blocks = Checks.list(rule.match());
            if (blocks.isEmpty() || blocks.stream().anyMatch(Validator::matchesEverything)) {
                catchAll = i;
                continue;
            }
            for (int m = 0; m < blocks.size(); m++) {
                for (int[] e : earlierBlocks) {
                    HttpMatchRequest earlier = http.get(e[0]).match().get(e[1]);
                    if (covers(earlier, blocks.get(m))) {
                        r.warning(p + ".match[" + m + "]", "never used: spec.http[" + e[0] + "].match[" + e[1]
                                + "] before it already matches these requests");
                        break;
                    }
                }
            }
            for (int m = 0; m < blocks.size(); m++) {
                earlierBlocks.add(new int[] {i, m});
            }
        }
    }

    private static boolean matchesEverything(HttpMatchRequest m) {
        HttpMatchRequest withoutUri = withoutUri(m);
        boolean emptyRest = withoutUri.equals(new HttpMatchRequest(m.name(), null, null, null, null, null, null,
                null, null, null, m.ignoreUriCase(), null, null, m.statPrefix()));
        if (!emptyRest) {
            return false;
        }
        return m.uri() == null || "/".equals(m.uri().prefix()) || "".equals(m.uri().prefix())
                || ".*".equals(m.uri().regex()) || "/.*".equals(m.uri().regex());
    }

    private static boolean covers(HttpMatchRequest earlier, HttpMatchRequest later) {
        if (!withoutUri(earlier).equals(withoutUri(later))
                || !java.util.Objects.equals(earlier.ignoreUriCase(), later.ignoreUriCase())) {
            return false;
        }
        if (earlier.uri() == null || earlier.uri().equals(later.uri())) {
            return true;
        }
        String prefix = earlier.uri().prefix();
        if (prefix == null || later.uri() == null) {
            return false;
        }
        String l = later.uri().exact() != null ? later.uri().exact() : later.uri().prefix();
        return l != null && l.startsWith(prefix);
    }

    /** The block with its uri, name and statPrefix removed, for comparing the rest. */
    private static HttpMatchRequest withoutUri(HttpMatchRequest m) {
        return new HttpMatchRequest(null, null, m.scheme(), m.method(), m.authority(), m.headers(), m.port(),
                m.sourceLabels(), m.gateways(), m.queryParams(), null, m.withoutHeaders(), m.sourceNamespace(), null);
    }

    private void crossResource(List<LoadedResource> resources, List<Diagnostic> out) {
        String domain = options.clusterDomain();
        // Subsets defined per resolved host.
        Map<String, List<String>> subsetsByHost = new HashMap<>();
        for (LoadedResource lr : resources) {
            if (lr.resource() instanceof DestinationRule dr && dr.spec().host() != null) {
                String host = Hosts.resolve(dr.spec().host(), dr.metadata().namespace(), domain);
                var names = subsetsByHost.computeIfAbsent(host, h -> new ArrayList<>());
                for (var s : Checks.list(dr.spec().subsets())) {
                    if (s.name() != null) {
                        names.add(s.name());
                    }
                }
            }
        }
        List<Map.Entry<String, List<String>>> wildcardSubsets = subsetsByHost.entrySet().stream()
                .filter(e -> e.getKey().startsWith("*")).toList();
        Map<String, LoadedResource> vsByHost = new LinkedHashMap<>();
        Map<String, VirtualService> byKey = new HashMap<>();
        for (LoadedResource lr : resources) {
            if (lr.resource() instanceof VirtualService vs) {
                byKey.putIfAbsent(vs.key(), vs);
            }
        }
        for (LoadedResource lr : resources) {
            if (!(lr.resource() instanceof VirtualService vs)) {
                continue;
            }
            Report r = new Report(lr, out);
            String ns = vs.metadata().namespace();
            var gateways = vs.spec().gateways();
            boolean meshBound = gateways == null || gateways.isEmpty() || gateways.contains("mesh");
            var hosts = meshBound ? Checks.list(vs.spec().hosts()) : List.<String>of();
            for (int i = 0; i < hosts.size(); i++) {
                if (hosts.get(i) == null) {
                    continue;
                }
                String host = Hosts.resolve(hosts.get(i), ns, domain);
                LoadedResource other = vsByHost.putIfAbsent(ns + " " + host, lr);
                if (other != null && other != lr) {
                    r.warning("spec.hosts[" + i + "]", "host " + q(host) + " is also claimed by VirtualService "
                            + other.resource().key() + " (" + other.file() + "); Istio does not merge VirtualServices"
                            + " for sidecars, so which one applies is undefined");
                }
            }
            var http = Checks.list(vs.spec().http());
            for (int i = 0; i < http.size(); i++) {
                var h = http.get(i);
                String p = "spec.http[" + i + "]";
                var route = Checks.list(h.route());
                for (int j = 0; j < route.size(); j++) {
                    subsetDefined(route.get(j).destination(), p + ".route[" + j + "].destination", ns, subsetsByHost,
                            wildcardSubsets, r, "requests routed here fail with 503 (response flag NC: no cluster)");
                }
                subsetDefined(h.mirror(), p + ".mirror", ns, subsetsByHost, wildcardSubsets, r,
                        "mirrored copies go nowhere");
                var mirrors = Checks.list(h.mirrors());
                for (int j = 0; j < mirrors.size(); j++) {
                    subsetDefined(mirrors.get(j).destination(), p + ".mirrors[" + j + "].destination", ns,
                            subsetsByHost, wildcardSubsets, r, "mirrored copies go nowhere");
                }
                if (h.delegate() != null && h.delegate().name() != null) {
                    String target = (h.delegate().namespace() == null || h.delegate().namespace().isEmpty()
                            ? ns : h.delegate().namespace()) + "/" + h.delegate().name();
                    VirtualService delegate = byKey.get(target);
                    if (delegate == null) {
                        r.warning(p + ".delegate", "delegate VirtualService " + target + " is not defined; this"
                                + " route matches nothing until it is");
                    } else if (delegate.spec().hosts() != null && !delegate.spec().hosts().isEmpty()) {
                        r.warning(p + ".delegate", "VirtualService " + target + " has hosts, so it is not a delegate"
                                + " and this route ignores it; a delegate VirtualService has no hosts");
                    }
                }
            }
        }
    }

    private void subsetDefined(VirtualService.Destination d, String path, String ns,
                               Map<String, List<String>> subsetsByHost,
                               List<Map.Entry<String, List<String>>> wildcardSubsets, Report r, String consequence) {
        if (d == null || d.subset() == null || d.host() == null) {
            return;
        }
        String host = Hosts.resolve(d.host(), ns, options.clusterDomain());
        List<String> exact = subsetsByHost.get(host);
        boolean defined = exact != null && exact.contains(d.subset())
                || wildcardSubsets.stream().anyMatch(e -> Hosts.matches(e.getKey(), host)
                && e.getValue().contains(d.subset()));
        if (!defined) {
            r.warning(path + ".subset", "subset " + q(d.subset()) + " of host " + q(host)
                    + " is defined by no DestinationRule; " + consequence);
        }
    }
}

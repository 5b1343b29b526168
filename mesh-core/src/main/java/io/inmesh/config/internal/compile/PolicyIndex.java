package io.inmesh.config.internal.compile;

import io.inmesh.config.MeshResource;
import io.inmesh.config.WorkloadSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Policies of one kind indexed by where they apply, computed once per snapshot so that a lookup for a workload
 * scans only the selectors of its own namespace (and of the root namespace).
 *
 * <p>Scopes, as Istio defines them: a policy in the root namespace without a selector applies to the whole mesh;
 * one in another namespace without a selector to that namespace; one with a selector to the matching workloads of
 * its namespace. A root-namespace policy with a selector applies to matching workloads in every namespace
 * ({@link RootSelectors#MESH_WIDE}: AuthorizationPolicy, RequestAuthentication, LocalRateLimit) or is ignored
 * ({@link RootSelectors#IGNORED}: PeerAuthentication).
 */
public final class PolicyIndex<T extends MeshResource> {

    /** What a selector on a root-namespace policy means. */
    public enum RootSelectors { MESH_WIDE, IGNORED }

    /** The policies that apply to one workload, by tier; more specific tiers take precedence where that matters. */
    public record Applicable<T>(List<T> mesh, List<T> namespace, List<T> workload) {
        /** All tiers, mesh first. */
        public List<T> all() {
            List<T> out = new ArrayList<>(mesh.size() + namespace.size() + workload.size());
            out.addAll(mesh);
            out.addAll(namespace);
            out.addAll(workload);
            return out;
        }

        public boolean isEmpty() {
            return mesh.isEmpty() && namespace.isEmpty() && workload.isEmpty();
        }
    }

    private record Selected<T>(T policy, Map<String, String> labels) {
        boolean selects(Map<String, String> workload) {
            for (var e : labels.entrySet()) {
                if (!e.getValue().equals(workload.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String rootNamespace;
    private final List<T> meshWide;
    private final List<Selected<T>> rootSelected;
    private final Map<String, List<T>> namespaceWide;
    private final Map<String, List<Selected<T>>> selected;
    private final int size;

    public PolicyIndex(List<T> policies, Function<T, WorkloadSelector> selector, String rootNamespace,
                       RootSelectors rootSelectors) {
        this.rootNamespace = rootNamespace;
        List<T> mesh = new ArrayList<>();
        List<Selected<T>> root = new ArrayList<>();
        Map<String, List<T>> byNamespace = new HashMap<>();
        Map<String, List<Selected<T>>> bySelector = new HashMap<>();
        int count = 0;
        for (T p : policies) {
            WorkloadSelector s = selector.apply(p);
            Map<String, String> labels = s == null || s.matchLabels() == null ? Map.of() : s.matchLabels();
            String ns = p.metadata().namespace();
            boolean inRoot = ns.equals(rootNamespace);
            if (labels.isEmpty()) {
                (inRoot ? mesh : byNamespace.computeIfAbsent(ns, n -> new ArrayList<>())).add(p);
            } else if (!inRoot) {
                bySelector.computeIfAbsent(ns, n -> new ArrayList<>()).add(new Selected<>(p, labels));
            } else if (rootSelectors == RootSelectors.MESH_WIDE) {
                root.add(new Selected<>(p, labels));
            } else {
                continue; // ignored, as Istio ignores it
            }
            count++;
        }
        this.meshWide = List.copyOf(mesh);
        this.rootSelected = List.copyOf(root);
        Map<String, List<T>> ns = new HashMap<>();
        byNamespace.forEach((k, v) -> ns.put(k, List.copyOf(v)));
        this.namespaceWide = Map.copyOf(ns);
        Map<String, List<Selected<T>>> sel = new HashMap<>();
        bySelector.forEach((k, v) -> sel.put(k, List.copyOf(v)));
        this.selected = Map.copyOf(sel);
        this.size = count;
    }

    /** The policies that apply to a workload of {@code namespace} with {@code labels}. */
    public Applicable<T> forWorkload(String namespace, Map<String, String> labels) {
        List<T> nsWide = namespace.equals(rootNamespace) ? List.of() : namespaceWide.getOrDefault(namespace, List.of());
        List<Selected<T>> candidates = selected.getOrDefault(namespace, List.of());
        List<T> workload = List.of();
        if (!candidates.isEmpty() || !rootSelected.isEmpty()) {
            List<T> matched = null;
            for (Selected<T> s : rootSelected) {
                if (s.selects(labels)) {
                    (matched == null ? matched = new ArrayList<>() : matched).add(s.policy());
                }
            }
            for (Selected<T> s : candidates) {
                if (s.selects(labels)) {
                    (matched == null ? matched = new ArrayList<>() : matched).add(s.policy());
                }
            }
            if (matched != null) {
                workload = List.copyOf(matched);
            }
        }
        return new Applicable<>(meshWide, nsWide, workload);
    }

    /** Number of policies in force (ignored ones not counted). */
    public int size() {
        return size;
    }
}

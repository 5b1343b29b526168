package io.inmesh.config.internal.compile;

import io.inmesh.config.MeshResource;
import io.inmesh.config.WorkloadSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Policies of one kind indexed by where they apply: mesh-wide (root namespace, no selector), namespace-wide (no
 * selector), or for the workloads whose labels a selector matches.
 */
public final class PolicyIndex<T extends MeshResource> {

    /** A policy with its selector labels (empty: the whole namespace). */
    public record Entry<T>(T policy, Map<String, String> selector) {
        boolean selects(Map<String, String> labels) {
            for (var e : selector.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String rootNamespace;
    private final Map<String, List<Entry<T>>> byNamespace;

    public PolicyIndex(List<T> policies, Function<T, WorkloadSelector> selector, String rootNamespace) {
        this.rootNamespace = rootNamespace;
        Map<String, List<Entry<T>>> map = new HashMap<>();
        for (T p : policies) {
            WorkloadSelector s = selector.apply(p);
            Map<String, String> labels = s == null || s.matchLabels() == null ? Map.of() : s.matchLabels();
            map.computeIfAbsent(p.metadata().namespace(), n -> new ArrayList<>()).add(new Entry<>(p, labels));
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        this.byNamespace = Map.copyOf(map);
    }

    /** Mesh-wide policies: those in the root namespace without a selector. */
    public List<T> meshWide() {
        return byNamespace.getOrDefault(rootNamespace, List.of()).stream()
                .filter(e -> e.selector().isEmpty()).map(Entry::policy).toList();
    }

    /** Namespace-wide policies of {@code namespace} (no selector). */
    public List<T> namespaceWide(String namespace) {
        return byNamespace.getOrDefault(namespace, List.of()).stream()
                .filter(e -> e.selector().isEmpty()).map(Entry::policy).toList();
    }

    /** Policies in {@code namespace} whose non-empty selector matches {@code labels}. */
    public List<T> selecting(String namespace, Map<String, String> labels) {
        return byNamespace.getOrDefault(namespace, List.of()).stream()
                .filter(e -> !e.selector().isEmpty() && e.selects(labels)).map(Entry::policy).toList();
    }

    /**
     * Every policy that applies to a workload: mesh-wide, then namespace-wide, then selecting ones; a selector in the
     * root namespace applies to workloads of the root namespace only.
     */
    public List<T> forWorkload(String namespace, Map<String, String> labels) {
        List<T> out = new ArrayList<>(meshWide());
        if (!namespace.equals(rootNamespace)) {
            out.addAll(namespaceWide(namespace));
        }
        out.addAll(selecting(namespace, labels));
        return out;
    }

    public int size() {
        return byNamespace.values().stream().mapToInt(List::size).sum();
    }
}

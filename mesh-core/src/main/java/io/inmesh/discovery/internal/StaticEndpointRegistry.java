package io.inmesh.discovery.internal;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.discovery.Endpoint;
import io.inmesh.discovery.EndpointRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable registry whose every answer is computed when it is built: host, then service port, then the
 * endpoint list. A lookup is one hash-map probe (plus, for a host no exact entry declares the port of, a scan of
 * the wildcard suffixes, most specific first) and a binary search over the host's port numbers; it allocates
 * nothing and returns the same list instance every time.
 *
 * <p>Per host and port there is either a list (possibly empty: known, no endpoints) or a pass-through mark, which
 * {@link #endpoints} returns as {@code null}. A host whose entries do not declare the port asked for falls back to
 * the most specific wildcard entry that does, as Envoy's per-port virtual hosts would; when none does, the answer
 * is {@code null} (pass-through), as Istio sends traffic for an undeclared port to its passthrough cluster.
 *
 * <p>Build one with {@link #fromConfig} (ServiceEntries and WorkloadEntries) or {@link #of} (programmatic).
 */
public final class StaticEndpointRegistry implements EndpointRegistry {

    private final Map<String, HostEntry> exact;
    /** Suffixes of wildcard hosts ({@code .example.com} for {@code *.example.com}), longest first. */
    private final String[] wildcardSuffixes;
    private final HostEntry[] wildcardEntries;

    private StaticEndpointRegistry(Map<String, HostEntry> exact, Map<String, HostEntry> wildcards) {
        this.exact = Map.copyOf(exact);
        List<String> patterns = new ArrayList<>(wildcards.keySet());
        // Longest suffix first: the most specific wildcard wins. Ties cannot match the same host.
        patterns.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        this.wildcardSuffixes = new String[patterns.size()];
        this.wildcardEntries = new HostEntry[patterns.size()];
        for (int i = 0; i < patterns.size(); i++) {
            wildcardSuffixes[i] = patterns.get(i).substring(1);
            wildcardEntries[i] = wildcards.get(patterns.get(i));
        }
    }

    /**
     * The registry of the ServiceEntries and WorkloadEntries of a snapshot; see {@link ServiceEntryIndexer} for
     * the semantics.
     */
    public static StaticEndpointRegistry fromConfig(MeshSnapshot snapshot) {
        ServiceEntryIndexer indexer = ServiceEntryIndexer.index(snapshot);
        return build(indexer.hosts());
    }

    /**
     * A registry of the given endpoints: host (lower case, fully qualified or {@code *.suffix}) to service port to
     * endpoints, in order. The maps and lists are copied.
     */
    public static StaticEndpointRegistry of(Map<String, ? extends Map<Integer, ? extends List<Endpoint>>> hosts) {
        Map<String, Map<Integer, List<Endpoint>>> copy = new HashMap<>();
        hosts.forEach((host, ports) -> {
            Map<Integer, List<Endpoint>> p = new HashMap<>();
            ports.forEach((port, list) -> p.put(port, List.copyOf(list)));
            copy.put(host, p);
        });
        return build(copy);
    }

    /** {@code null} values in the port maps mark pass-through ports. */
    private static StaticEndpointRegistry build(Map<String, ? extends Map<Integer, List<Endpoint>>> hosts) {
        Map<String, HostEntry> exact = new HashMap<>();
        Map<String, HostEntry> wildcards = new HashMap<>();
        hosts.forEach((host, ports) -> {
            HostEntry entry = HostEntry.of(ports);
            if (host.startsWith("*")) {
                wildcards.put(host, entry);
            } else {
                exact.put(host, entry);
            }
        });
        return new StaticEndpointRegistry(exact, wildcards);
    }

    @Override
    public List<Endpoint> endpoints(String host, int port) {
        HostEntry entry = exact.get(host);
        if (entry != null) {
            int i = entry.indexOf(port);
            if (i >= 0) {
                return entry.endpoints[i];
            }
        }
        for (int w = 0; w < wildcardSuffixes.length; w++) {
            if (matchesSuffix(wildcardSuffixes[w], host)) {
                HostEntry we = wildcardEntries[w];
                int i = we.indexOf(port);
                if (i >= 0) {
                    return we.endpoints[i];
                }
            }
        }
        return null;
    }

    @Override
    public boolean knows(String host) {
        if (exact.containsKey(host)) {
            return true;
        }
        for (String suffix : wildcardSuffixes) {
            if (matchesSuffix(suffix, host)) {
                return true;
            }
        }
        return false;
    }

    /** {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com}, not {@code example.com}. */
    private static boolean matchesSuffix(String suffix, String host) {
        return host.length() > suffix.length() && host.endsWith(suffix);
    }

    @Override
    public String toString() {
        return "StaticEndpointRegistry{hosts=" + exact.size() + ", wildcards=" + wildcardSuffixes.length + "}";
    }

    /** The ports of one host, sorted, with their endpoint lists ({@code null}: pass-through). */
    private static final class HostEntry {
        final int[] ports;
        final List<Endpoint>[] endpoints;

        private HostEntry(int[] ports, List<Endpoint>[] endpoints) {
            this.ports = ports;
            this.endpoints = endpoints;
        }

        static HostEntry of(Map<Integer, List<Endpoint>> byPort) {
            int[] ports = byPort.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
            @SuppressWarnings("unchecked")
            List<Endpoint>[] lists = (List<Endpoint>[]) new List<?>[ports.length];
            for (int i = 0; i < ports.length; i++) {
                lists[i] = byPort.get(ports[i]);
            }
            return new HostEntry(ports, lists);
        }

        int indexOf(int port) {
            return Arrays.binarySearch(ports, port);
        }
    }
}

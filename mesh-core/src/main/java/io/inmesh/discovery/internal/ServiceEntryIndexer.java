package io.inmesh.discovery.internal;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.ServiceEntry;
import io.inmesh.config.ServiceEntry.Resolution;
import io.inmesh.config.WorkloadEntry;
import io.inmesh.config.internal.Hosts;
import io.inmesh.discovery.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the ServiceEntries and WorkloadEntries of a snapshot into host, port and endpoint list, following Istio's
 * ServiceEntry registry ({@code pilot/pkg/serviceregistry/serviceentry/conversion.go} and {@code controller.go}):
 *
 * <ul>
 *   <li>Hosts are resolved in the ServiceEntry's namespace ({@code reviews} in {@code bookinfo} is
 *       {@code reviews.bookinfo.svc.cluster.local}). Resolution absent means {@code NONE}, Istio's default.</li>
 *   <li>The port of an endpoint for service port {@code p}: the endpoint's {@code ports[p.name]} when set, else
 *       {@code p.targetPort}, else {@code p.number}.</li>
 *   <li>{@code NONE} (and {@code DYNAMIC_DNS}, which resolves the requested name at connection time): the host is
 *       known and its ports pass through ({@code null}) to the address the caller asked for.</li>
 *   <li>{@code STATIC}, {@code DNS}, {@code DNS_ROUND_ROBIN}: the {@code endpoints} as listed (DNS names are
 *       connected to as given), or with a {@code workloadSelector} the WorkloadEntries of the same namespace whose
 *       labels contain the selector. WorkloadEntry labels are {@code spec.labels} overlaid with
 *       {@code metadata.labels}, which Istio merges with metadata taking precedence. DNS kinds with neither list nor
 *       selector have one endpoint: the host itself with the port ({@code targetPort}, else {@code number}).
 *       {@code STATIC} with neither has no endpoints (an empty list).</li>
 *   <li>A wildcard host ({@code *.example.com}) has endpoints only when its entry lists endpoints or selects
 *       workloads; otherwise it passes through (a wildcard cannot be resolved as a name).</li>
 *   <li>Endpoint labels (including {@code security.istio.io/tlsMode}) are kept as given; the service account is the
 *       name as given; a weight that is absent or 0 counts as 1.</li>
 *   <li>Unix-domain-socket addresses ({@code unix://...}) are skipped: InMesh connects over TCP.</li>
 *   <li>Several ServiceEntries for one host: Istio keeps one namespace per host (for a caller outside all of them,
 *       the alphabetically first; InMesh has no caller namespace here, so that rule applies) and merges the
 *       ServiceEntries of that namespace whose resolution is the same ({@code sidecar.go canMergeServices}), their
 *       endpoints landing in one per-host-and-namespace shard. InMesh merges per port: the first ServiceEntry (by
 *       namespace and name) to declare a port sets its resolution; later ones with the same resolution add their
 *       endpoints, others are ignored for that port.</li>
 * </ul>
 */
final class ServiceEntryIndexer {

    private final String clusterDomain;
    private final Map<String, List<WorkloadEntry>> workloadsByNamespace = new HashMap<>();
    /** Host to the namespace whose ServiceEntries define it. */
    private final Map<String, String> hostNamespace = new HashMap<>();
    private final Map<String, Map<Integer, Slot>> slots = new LinkedHashMap<>();

    private ServiceEntryIndexer(String clusterDomain) {
        this.clusterDomain = clusterDomain;
    }

    static ServiceEntryIndexer index(MeshSnapshot snapshot) {
        ServiceEntryIndexer indexer = new ServiceEntryIndexer(snapshot.options().clusterDomain());
        for (WorkloadEntry we : snapshot.resources(WorkloadEntry.class)) {
            if (we.spec() != null) {
                indexer.workloadsByNamespace.computeIfAbsent(we.metadata().namespace(), ns -> new ArrayList<>()).add(we);
            }
        }
        // resources() is sorted by namespace and name: "first" below means first in that order.
        for (ServiceEntry se : snapshot.resources(ServiceEntry.class)) {
            if (se.spec() != null) {
                indexer.add(se);
            }
        }
        return indexer;
    }

    /** Host to service port to endpoints; a {@code null} list marks a pass-through port. */
    Map<String, Map<Integer, List<Endpoint>>> hosts() {
        Map<String, Map<Integer, List<Endpoint>>> out = new HashMap<>();
        slots.forEach((host, ports) -> {
            Map<Integer, List<Endpoint>> byPort = new HashMap<>();
            ports.forEach((port, slot) -> byPort.put(port, slot.passThrough ? null : List.copyOf(slot.endpoints)));
            out.put(host, byPort);
        });
        return out;
    }

    private void add(ServiceEntry se) {
        ServiceEntry.Spec spec = se.spec();
        String namespace = se.metadata().namespace();
        Resolution resolution = spec.resolution() == null ? Resolution.NONE : spec.resolution();
        for (String raw : orEmpty(spec.hosts())) {
            if (raw == null || raw.equals("*")) {
                continue; // rejected by validation
            }
            String host = Hosts.resolve(raw, namespace, clusterDomain);
            if (!hostNamespace.computeIfAbsent(host, h -> namespace).equals(namespace)) {
                continue; // another namespace defines this host
            }
            Map<Integer, Slot> ports = slots.computeIfAbsent(host, h -> new HashMap<>());
            for (ServiceEntry.Port port : orEmpty(spec.ports())) {
                if (port == null || port.number() == null) {
                    continue; // rejected by validation
                }
                Slot slot = ports.computeIfAbsent(port.number(), n -> new Slot(resolution));
                if (slot.resolution == resolution) {
                    contribute(slot, se, host, port, resolution);
                }
            }
        }
    }

    private void contribute(Slot slot, ServiceEntry se, String host, ServiceEntry.Port port, Resolution resolution) {
        ServiceEntry.Spec spec = se.spec();
        if (resolution == Resolution.NONE || resolution == Resolution.DYNAMIC_DNS) {
            return; // a slot of these resolutions stays pass-through
        }
        boolean wildcard = host.startsWith("*");
        if (spec.workloadSelector() != null) {
            Map<String, String> selector = labels(spec.workloadSelector().labels());
            for (WorkloadEntry we : workloadsByNamespace.getOrDefault(se.metadata().namespace(), List.of())) {
                Map<String, String> labels = workloadLabels(we);
                if (containsAll(labels, selector)) {
                    addEndpoint(slot, we.spec(), labels, port, we.metadata().namespace());
                }
            }
            slot.passThrough = false;
        } else if (spec.endpoints() != null && !spec.endpoints().isEmpty()) {
            for (WorkloadEntry.Spec ep : spec.endpoints()) {
                if (ep != null) {
                    addEndpoint(slot, ep, labels(ep.labels()), port, se.metadata().namespace());
                }
            }
            slot.passThrough = false;
        } else if (wildcard) {
            return; // nothing to connect to but the name asked for
        } else if (resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN) {
            int target = positive(port.targetPort()) ? port.targetPort() : port.number();
            if (validPort(target)) {
                slot.endpoints.add(Endpoint.of(host, target));
            }
            slot.passThrough = false;
        } else {
            slot.passThrough = false; // STATIC without endpoints: known, none to connect to
        }
    }

    private static void addEndpoint(Slot slot, WorkloadEntry.Spec ep, Map<String, String> labels, ServiceEntry.Port port,
                                    String namespace) {
        String address = ep.address();
        if (address == null || address.isEmpty() || address.startsWith("unix://")) {
            return; // unix-domain sockets are not supported; a missing address is rejected by validation
        }
        Integer named = ep.ports() == null || port.name() == null ? null : ep.ports().get(port.name());
        int target = positive(named) ? named : positive(port.targetPort()) ? port.targetPort() : port.number();
        if (!validPort(target)) {
            return; // rejected by validation
        }
        String sa = ep.serviceAccount() == null || ep.serviceAccount().isEmpty() ? null : ep.serviceAccount();
        int weight = positive(ep.weight()) ? ep.weight() : 1;
        slot.endpoints.add(new Endpoint(address, target, labels, sa, weight, sa == null ? null : namespace));
    }

    /** {@code spec.labels} overlaid with {@code metadata.labels}, as Istio's {@code ConvertWorkloadEntry} does. */
    private static Map<String, String> workloadLabels(WorkloadEntry we) {
        Map<String, String> merged = labels(we.spec().labels());
        Map<String, String> meta = we.metadata() == null ? null : we.metadata().labels();
        if (meta != null && !meta.isEmpty()) {
            merged = new HashMap<>(merged);
            merged.putAll(labels(meta));
        }
        return merged;
    }

    /** The labels with {@code key:} (a YAML null) read as the empty value, which is what Kubernetes stores. */
    private static Map<String, String> labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        boolean hasNull = false;
        for (String v : labels.values()) {
            hasNull |= v == null; // not containsValue(null): immutable maps throw on it
        }
        if (!hasNull) {
            return labels;
        }
        Map<String, String> out = new HashMap<>();
        labels.forEach((k, v) -> out.put(k, v == null ? "" : v));
        return out;
    }

    private static boolean containsAll(Map<String, String> labels, Map<String, String> selector) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean positive(Integer n) {
        return n != null && n > 0;
    }

    private static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** What one host and port collect while ServiceEntries are added. */
    private static final class Slot {
        final Resolution resolution;
        final List<Endpoint> endpoints = new ArrayList<>();
        /** True until a ServiceEntry gives the port something to connect to (even nothing: STATIC, no endpoints). */
        boolean passThrough = true;

        Slot(Resolution resolution) {
            this.resolution = resolution;
        }
    }
}

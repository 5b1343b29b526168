package io.inmesh.kubernetes.internal;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.inmesh.discovery.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns one Service, its EndpointSlices and the Pods behind them into the endpoints of each service port. Pure: no
 * I/O, no state; the registry calls it for the one service an event touched.
 */
public final class EndpointIndex {
    /** The label an EndpointSlice names its Service with. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private EndpointIndex() {
    }

    /** The endpoints of one service, by service port: parallel arrays, read without allocating. */
    public static final class Ports {
        static final Ports PASSTHROUGH = new Ports(new int[0], List.of(), true);

        private final int[] ports;
        private final List<List<Endpoint>> endpoints;
        private final boolean passthrough;

        Ports(int[] ports, List<List<Endpoint>> endpoints, boolean passthrough) {
            this.ports = ports;
            this.endpoints = endpoints;
            this.passthrough = passthrough;
        }

        /** The endpoints of service port {@code port}; null when the service does not declare it (or is ExternalName). */
        public List<Endpoint> get(int port) {
            if (passthrough) {
                return null;
            }
            for (int i = 0; i < ports.length; i++) {
                if (ports[i] == port) {
                    return endpoints.get(i);
                }
            }
            return null;
        }

        /** This table, with each list replaced by the equal one of {@code previous} so unchanged lists keep identity. */
        Ports reuse(Ports previous) {
            if (previous == null || passthrough || previous.passthrough) {
                return this;
            }
            List<List<Endpoint>> lists = new ArrayList<>(endpoints);
            boolean unchanged = Arrays.equals(ports, previous.ports);
            for (int i = 0; i < ports.length; i++) {
                List<Endpoint> old = previous.get(ports[i]);
                if (old != null && old.equals(lists.get(i))) {
                    lists.set(i, old);
                } else {
                    unchanged = false;
                }
            }
            return unchanged ? previous : new Ports(ports, List.copyOf(lists), false);
        }

        public int[] ports() {
            return ports.clone();
        }
    }

    /**
     * The endpoints of {@code service} from {@code slices}, each with the labels, service account and namespace of its
     * Pod from {@code pods} (looked up by {@code namespace/name}).
     *
     * <ul>
     *   <li>Per service port, the slice port with the same name (both unnamed for a single unnamed port) and
     *       protocol gives the port to connect to; UDP and SCTP ports are left out.</li>
     *   <li>Ready endpoints ({@code ready} absent counts as true) serve. When a service port has no ready endpoint,
     *       the endpoints that are {@code serving} and {@code terminating} serve instead (kube-proxy's rule since
     *       Kubernetes 1.26), so that a rolling update's last pods keep traffic while they drain.</li>
     *   <li>An endpoint whose {@code targetRef} is a Pod that the Pod cache does not hold yet is left out until the Pod
     *       arrives (as istiod does): without its labels no subset could select it.</li>
     *   <li>An ExternalName service has no endpoints: the caller resolves it through DNS.</li>
     * </ul>
     */
    public static Ports compute(Service service, Collection<EndpointSlice> slices, Function<String, Pod> pods,
                                Ports previous) {
        if (service.getSpec() != null && "ExternalName".equals(service.getSpec().getType())) {
            return Ports.PASSTHROUGH;
        }
        List<ServicePort> servicePorts = service.getSpec() == null || service.getSpec().getPorts() == null
                ? List.of() : service.getSpec().getPorts();
        List<Integer> numbers = new ArrayList<>();
        List<List<Endpoint>> lists = new ArrayList<>();
        for (ServicePort sp : servicePorts) {
            String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
            if (!"TCP".equals(protocol) || sp.getPort() == null || numbers.contains(sp.getPort())) {
                continue;
            }
            numbers.add(sp.getPort());
            lists.add(endpointsOf(sp, slices, pods, addressType(service)));
        }
        int[] ports = numbers.stream().mapToInt(Integer::intValue).toArray();
        return new Ports(ports, List.copyOf(lists), false).reuse(previous);
    }

    /**
     * The address family of the slices to use: the Service's first IP family (IPv4 when unset). A dual-stack
     * Service has one slice per family listing the same pods; FQDN slices are not IP endpoints.
     */
    private static String addressType(Service service) {
        List<String> families = service.getSpec() == null ? null : service.getSpec().getIpFamilies();
        return families == null || families.isEmpty() || !"IPv6".equals(families.get(0)) ? "IPv4" : "IPv6";
    }

    private static List<Endpoint> endpointsOf(ServicePort sp, Collection<EndpointSlice> slices,
                                              Function<String, Pod> pods, String addressType) {
        String portName = sp.getName() == null ? "" : sp.getName();
        Map<String, Endpoint> ready = new LinkedHashMap<>();
        Map<String, Endpoint> draining = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            // slices without a type (older API servers) are taken as IPv4
            String type = slice.getAddressType() == null ? "IPv4" : slice.getAddressType();
            if (!type.equals(addressType)) {
                continue;
            }
            Integer target = null;
            if (slice.getPorts() != null) {
                for (EndpointPort p : slice.getPorts()) {
                    String name = p.getName() == null ? "" : p.getName();
                    String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
                    if (name.equals(portName) && "TCP".equals(protocol)) {
                        target = p.getPort();
                        break;
                    }
                }
            }
            if (target == null || target < 1 || target > 65535 || slice.getEndpoints() == null) {
                continue;
            }
            String sliceNamespace = slice.getMetadata().getNamespace();
            for (var e : slice.getEndpoints()) {
                if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
                    continue;
                }
                EndpointConditions c = e.getConditions();
                boolean isReady = c == null || c.getReady() == null || c.getReady();
                boolean serving = c == null || c.getServing() == null ? isReady : c.getServing();
                boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                if (!isReady && !(serving && terminating)) {
                    continue;
                }
                Map<String, String> labels = Map.of();
                String serviceAccount = null;
                String namespace = sliceNamespace;
                ObjectReference ref = e.getTargetRef();
                if (ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null) {
                    String podNamespace = ref.getNamespace() == null ? sliceNamespace : ref.getNamespace();
                    Pod pod = pods.apply(podNamespace + "/" + ref.getName());
                    if (pod == null) {
                        continue; // the Pod event will bring it
                    }
                    labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
                    serviceAccount = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
                    namespace = pod.getMetadata().getNamespace();
                }
                String address = e.getAddresses().get(0); // consumers use the first address (the API's rule)
                Endpoint endpoint = new Endpoint(address, target, labels, serviceAccount, 1, namespace);
                (isReady ? ready : draining).putIfAbsent(endpoint.hostPort(), endpoint);
            }
        }
        return List.copyOf(ready.isEmpty() ? draining.values() : ready.values());
    }

    /** The {@code namespace/name} of the service a slice belongs to, or null for a slice without the label. */
    public static String serviceKey(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return service == null ? null : slice.getMetadata().getNamespace() + "/" + service;
    }

    /** The {@code namespace/name} keys of the Pods a slice's endpoints point to. */
    public static List<String> podKeys(EndpointSlice slice) {
        if (slice.getEndpoints() == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (var e : slice.getEndpoints()) {
            ObjectReference ref = e.getTargetRef();
            if (ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null) {
                keys.add((ref.getNamespace() == null ? slice.getMetadata().getNamespace() : ref.getNamespace()) + "/"
                        + ref.getName());
            }
        }
        return keys;
    }

    /** True when the parts of a Pod that endpoints carry (labels, service account) differ. */
    public static boolean endpointRelevantChange(Pod before, Pod after) {
        if (before == null || after == null) {
            return true;
        }
        return !Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())
                || !Objects.equals(before.getSpec() == null ? null : before.getSpec().getServiceAccountName(),
                after.getSpec() == null ? null : after.getSpec().getServiceAccountName());
    }
}

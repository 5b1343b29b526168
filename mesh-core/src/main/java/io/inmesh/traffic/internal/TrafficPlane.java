package io.inmesh.traffic.internal;

import io.inmesh.Workload;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.discovery.EndpointRegistries;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.telemetry.internal.metrics.MeshMetrics;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The traffic plane of one mesh: the router compiled for the current snapshot, the endpoint registries, and the
 * clusters whose state outlives snapshots. Adapters start one {@link MeshCall} per request.
 */
public final class TrafficPlane {

    /** Everything one request reads, swapped whole when a snapshot arrives. */
    public record State(MeshSnapshot snapshot, Router router, EndpointRegistry registry) {
    }

    private final Workload self;
    private final EndpointRegistry external;
    private final Clusters clusters;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;
    private final MeshMetrics metrics;
    private volatile State state;
    private final String sourceAddress = localAddress();

    /**
     * @param external  endpoints from outside the config (Kubernetes, code), consulted before ServiceEntries; null
     *                  for none
     * @param nanoClock monotonic time in nanoseconds
     * @param random    a thread-safe random source
     */
    public TrafficPlane(Workload self, EndpointRegistry external, LongSupplier nanoClock, RandomGenerator random) {
        this(self, external, nanoClock, random, MeshMetrics.NOOP);
    }

    /** As {@link #TrafficPlane(Workload, EndpointRegistry, LongSupplier, RandomGenerator)}, counting into {@code metrics}. */
    public TrafficPlane(Workload self, EndpointRegistry external, LongSupplier nanoClock, RandomGenerator random,
                        MeshMetrics metrics) {
        this.self = self;
        this.external = external;
        this.metrics = metrics;
        this.clusters = new Clusters(nanoClock, metrics);
        this.nanoClock = nanoClock;
        this.random = random;
    }

    /** Compiles {@code snapshot} and makes it current. Off the request path. */
    public synchronized void update(MeshSnapshot snapshot) {
        EndpointRegistry fromConfig = EndpointRegistries.fromConfig(snapshot);
        EndpointRegistry registry = external == null ? fromConfig : EndpointRegistries.firstKnowing(external, fromConfig);
        state = new State(snapshot, Router.compile(snapshot, self, registry), registry);
        clusters.nextGeneration();
    }

    /** Number of destinations with runtime state (for diagnostics and tests). */
    public int clusterCount() {
        return clusters.size();
    }

    /** The destinations with runtime state: endpoints, requests in flight, ejections. */
    public java.util.List<io.inmesh.traffic.DestinationStatus> destinations() {
        return clusters.status();
    }

    /** The current state; null before the first snapshot. */
    public State state() {
        return state;
    }

    public Workload self() {
        return self;
    }

    public LongSupplier nanoClock() {
        return nanoClock;
    }

    public RandomGenerator random() {
        return random;
    }

    /** InMesh's own metrics ({@link MeshMetrics#NOOP} without a registry). */
    public MeshMetrics metrics() {
        return metrics;
    }

    /**
     * This process's address as consistent hashing on {@code useSourceIp} sees it: a sidecar hashes its pod's IP, so
     * every request of one process goes to one endpoint; here, the first site-local address of an interface that is
     * up, else the loopback address.
     */
    public String sourceAddress() {
        return sourceAddress;
    }

    private static String localAddress() {
        try {
            var interfaces = java.net.NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                var nic = interfaces.nextElement();
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                var addresses = nic.getInetAddresses();
                while (addresses.hasMoreElements()) {
                    var a = addresses.nextElement();
                    if (a.isSiteLocalAddress() || (a instanceof java.net.Inet4Address && !a.isLinkLocalAddress())) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException | RuntimeException e) {
            // fall through to loopback
        }
        return java.net.InetAddress.getLoopbackAddress().getHostAddress();
    }

    /** Decides the route of {@code request} on the current snapshot. */
    public RouteDecision route(RequestView request) {
        return current().router().route(request);
    }

    /** Starts the mesh's handling of one request. */
    public MeshCall start(RequestView request) {
        State s = current();
        return new MeshCall(this, s, s.router().route(request), request);
    }

    private State current() {
        State s = state;
        if (s == null) {
            throw new IllegalStateException("the mesh has no configuration yet");
        }
        return s;
    }

    /** The cluster of {@code target} for {@code port} under {@code s}, bound once and cached on the target. */
    Binding bind(State s, Target target, String host, int port) {
        for (Binding b : target.bindings) {
            if (b.port == port) {
                return b;
            }
        }
        synchronized (target) {
            for (Binding b : target.bindings) {
                if (b.port == port) {
                    return b;
                }
            }
            Binding b;
            if (target.subset != null && s.registry().endpoints(host, port) == null) {
                b = new Binding(port, null, "subset " + target.subset + " of " + host + ":" + port
                        + " cannot be selected: no endpoint registry knows the host's endpoints, so there are no"
                        + " labels to select by (declare them in a ServiceEntry)");
            } else {
                try {
                    DestinationPolicy p = DestinationPolicy.resolve(s.snapshot(), self.namespace(), host,
                            target.subset, port);
                    b = new Binding(port, clusters.get(host, target.subset, port, p), null);
                } catch (DestinationPolicy.UndefinedSubsetException e) {
                    b = new Binding(port, null, e.getMessage());
                }
            }
            if (b.cluster == null && !s.registry().knows(host)) {
                return b; // not cached: a registry (Kubernetes) may learn the host's endpoints later
            }
            Binding[] next = Arrays.copyOf(target.bindings, target.bindings.length + 1);
            next[next.length - 1] = b;
            target.bindings = next;
            return b;
        }
    }
}

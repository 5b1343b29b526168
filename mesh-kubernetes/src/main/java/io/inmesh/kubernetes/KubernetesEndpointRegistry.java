package io.inmesh.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.inmesh.discovery.Endpoint;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.kubernetes.internal.EndpointIndex;
import io.inmesh.kubernetes.internal.InformerHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Endpoints of Kubernetes Services from EndpointSlices ({@code discovery.k8s.io/v1}), with subset labels, service
 * account and namespace from the Pods behind them (EndpointSlices carry no pod labels), kept current by informers on
 * Services, EndpointSlices and Pods.
 *
 * <pre>{@code
 * KubernetesEndpointRegistry k8s = KubernetesEndpointRegistry.builder(client).namespace("default").build();
 * Mesh mesh = Mesh.builder().workload(PodIdentity.detect()).config(source).endpointRegistry(k8s).build();
 * }</pre>
 *
 * <h2>What it answers</h2>
 * <ul>
 *   <li>Host names are {@code <service>.<namespace>.svc.<cluster domain>} ({@code cluster.local} by default), as the
 *       traffic plane resolves {@code reviews} or {@code reviews.default} called from namespace {@code default}.
 *       {@link #knows} is true for every Service the informers hold.</li>
 *   <li>For service port {@code p} (TCP), the endpoints are the addresses of the Service's EndpointSlices with the
 *       slice port of the same name, so the port to connect to is the pod's (the {@code targetPort}). A port the
 *       Service does not declare gives {@code null} (connect through DNS, as Istio's passthrough); an ExternalName
 *       Service gives {@code null} for every port.</li>
 *   <li>Ready endpoints serve; not-ready ones do not. When no endpoint of a port is ready, the serving and terminating
 *       ones serve (kube-proxy's rule), so the last pods of a rolling update keep their traffic while they drain;
 *       Istio by default drops terminating endpoints at once.</li>
 *   <li>Each endpoint carries its Pod's labels ({@value Endpoint#TLS_MODE_LABEL} among them when the pod has it, for
 *       auto mTLS), {@code spec.serviceAccountName} and namespace, which name its expected SPIFFE identity. An endpoint
 *       whose Pod has not reached the cache yet is added when it does (as istiod does).</li>
 * </ul>
 *
 * <h2>Updates</h2>
 * An event recomputes only the Service it touches, off the request path, and swaps that Service's table atomically.
 * Lookups read a {@link ConcurrentHashMap} and an array: they neither block nor allocate, and they return the same
 * immutable list until that port's endpoints change (a Pod status update that changes no label returns the same
 * list). Load balancers see new endpoints at once, without a reload of the config snapshot.
 *
 * <h2>Permissions and ownership</h2>
 * The pod's service account needs {@code get}, {@code list} and {@code watch} on {@code services}, {@code pods} and
 * {@code endpointslices} (API group {@code discovery.k8s.io}) in each namespace watched (a ClusterRole for
 * {@link Builder#allNamespaces()}). The client belongs to the caller; {@link #close()} stops the informers only.
 */
public final class KubernetesEndpointRegistry implements EndpointRegistry, AutoCloseable {
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String BY_SERVICE = "inmesh.service";
    private static final String BY_POD = "inmesh.pod";

    private final String clusterSuffix;
    private final Map<String, EndpointIndex.Ports> hosts = new ConcurrentHashMap<>();
    private final Map<String, Scope> scopes = new LinkedHashMap<>();
    private final Scope anyNamespace;
    private final InformerHealth health;
    /** One per informer; the registry's state is the worst of them. */
    private final List<InformerHealth> healths = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Clock clock;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private volatile boolean closed;

    /** The three informers of one namespace (or of all). */
    private static final class Scope {
        SharedIndexInformer<Service> services;
        SharedIndexInformer<EndpointSlice> slices;
        SharedIndexInformer<Pod> pods;
    }

    private KubernetesEndpointRegistry(Builder b) {
        this.clusterSuffix = ".svc." + b.clusterDomain;
        this.clock = b.clock;
        String what = b.namespaces.isEmpty() ? "services, endpointslices and pods in all namespaces"
                : "services, endpointslices and pods in namespace" + (b.namespaces.size() == 1 ? " " : "s ")
                + String.join(", ", b.namespaces);
        this.health = new InformerHealth(what, "get, list and watch on services, pods and"
                + " endpointslices.discovery.k8s.io in " + (b.namespaces.isEmpty() ? "all namespaces (a ClusterRole)"
                : "namespace" + (b.namespaces.size() == 1 ? " " : "s ") + String.join(", ", b.namespaces)), b.clock);
        long resync = b.resyncPeriod.toMillis();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        Scope any = null;
        try {
            if (b.namespaces.isEmpty()) {
                any = scope(b.client, null, resync, started);
            } else {
                for (String ns : b.namespaces) {
                    scopes.put(ns, scope(b.client, ns, resync, started));
                }
            }
        } catch (RuntimeException e) {
            close(); // the informers of the namespaces started so far
            throw e;
        }
        anyNamespace = any;
        try {
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
                    .get(b.syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
            health.synced();
            healths.forEach(InformerHealth::synced);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while listing " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            close();
            String error = health.lastError();
            throw new IllegalStateException("InMesh could not list " + what + " within " + b.syncTimeout
                    + (error != null ? ": " + error : e instanceof ExecutionException ? ": " + e.getCause() : ""), e);
        }
    }

    /** A builder; without {@link Builder#namespace} it watches the namespace {@code default}. */
    public static Builder builder(KubernetesClient client) {
        return new Builder(client);
    }

    @Override
    public List<Endpoint> endpoints(String host, int port) {
        EndpointIndex.Ports p = hosts.get(host);
        return p == null ? null : p.get(port);
    }

    @Override
    public boolean knows(String host) {
        return hosts.containsKey(host);
    }

    /** The host names of the Services known now, e.g. {@code reviews.default.svc.cluster.local}. */
    public Set<String> hosts() {
        return Set.copyOf(hosts.keySet());
    }

    /** True while every informer has an open watch on the API server. */
    public boolean isWatching() {
        synchronized (informers) {
            for (SharedIndexInformer<?> i : informers) {
                if (!i.isWatching()) {
                    return false;
                }
            }
            return !informers.isEmpty();
        }
    }

    /**
     * When every informer (Services, EndpointSlices, Pods) was last known in step with the API server: the oldest
     * of their last syncs (a list or an event), so that one informer that stopped hearing shows.
     */
    public Optional<Instant> lastSuccessfulSync() {
        Instant oldest = null;
        for (InformerHealth h : healths) {
            Instant t = h.lastSuccessfulSync();
            if (t == null) {
                return Optional.empty();
            }
            if (oldest == null || t.isBefore(oldest)) {
                oldest = t;
            }
        }
        return Optional.ofNullable(oldest);
    }

    /** The last error of any informer since its last successful sync, naming what it watches, or empty. */
    public Optional<String> lastError() {
        for (InformerHealth h : healths) {
            String e = h.lastError();
            if (e != null) {
                return Optional.of(h.what() + ": " + e);
            }
        }
        return Optional.empty();
    }

    /** Stops the informers (not the client). Lookups keep answering with the last known endpoints. Idempotent. */
    @Override
    public void close() {
        closed = true;
        synchronized (informers) {
            for (SharedIndexInformer<?> i : informers) {
                i.stop();
            }
        }
    }

    @Override
    public String toString() {
        return "KubernetesEndpointRegistry[" + health.what() + ", " + hosts.size() + " services]";
    }

    // ---- implementation

    private Scope scope(KubernetesClient client, String ns, long resync, List<CompletableFuture<Void>> started) {
        Scope s = new Scope();
        s.services = ns == null ? client.services().inAnyNamespace().runnableInformer(resync)
                : client.services().inNamespace(ns).runnableInformer(resync);
        s.slices = ns == null ? client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(resync)
                : client.discovery().v1().endpointSlices().inNamespace(ns).runnableInformer(resync);
        s.pods = ns == null ? client.pods().inAnyNamespace().runnableInformer(resync)
                : client.pods().inNamespace(ns).runnableInformer(resync);
        s.slices.addIndexers(Map.of(
                BY_SERVICE, slice -> {
                    String key = EndpointIndex.serviceKey(slice);
                    return key == null ? List.of() : List.of(key);
                },
                BY_POD, EndpointIndex::podKeys));
        // one health per informer: a Pod watch that keeps failing must not be hidden by Service or slice events
        String in = ns == null ? "all namespaces" : "namespace " + ns;
        InformerHealth services = informerHealth("services in " + in, "get, list and watch on services in " + in);
        InformerHealth slices = informerHealth("endpointslices in " + in,
                "get, list and watch on endpointslices.discovery.k8s.io in " + in);
        InformerHealth pods = informerHealth("pods in " + in, "get, list and watch on pods in " + in);
        s.services.addEventHandler(handler(services, svc -> List.of(key(svc)), (a, b) -> true));
        s.slices.addEventHandler(handler(slices, slice -> {
            String key = EndpointIndex.serviceKey(slice);
            return key == null ? List.of() : List.of(key);
        }, (a, b) -> true));
        s.pods.addEventHandler(handler(pods, pod -> servicesOfPod(key(pod)),
                EndpointIndex::endpointRelevantChange));
        s.services.exceptionHandler((started1, t) -> health.failed(started1, t) & services.failed(started1, t));
        s.slices.exceptionHandler((started1, t) -> health.failed(started1, t) & slices.failed(started1, t));
        s.pods.exceptionHandler((started1, t) -> health.failed(started1, t) & pods.failed(started1, t));
        for (SharedIndexInformer<?> i : List.of(s.services, s.slices, s.pods)) {
            synchronized (informers) {
                informers.add(i);
            }
            started.add(i.start().toCompletableFuture());
        }
        return s;
    }

    private InformerHealth informerHealth(String what, String rbac) {
        InformerHealth h = new InformerHealth(what, rbac, clock);
        healths.add(h);
        return h;
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(InformerHealth health,
                                                                     Function<T, List<String>> services,
                                                                     java.util.function.BiPredicate<T, T> relevant) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                health.synced();
                recompute(services.apply(obj));
            }

            @Override
            public void onUpdate(T before, T after) {
                String vb = before.getMetadata().getResourceVersion();
                if (vb != null && vb.equals(after.getMetadata().getResourceVersion())) {
                    return; // a resync: nothing changed
                }
                health.synced();
                if (!relevant.test(before, after)) {
                    return;
                }
                Set<String> keys = new LinkedHashSet<>(services.apply(before));
                keys.addAll(services.apply(after));
                recompute(List.copyOf(keys));
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                health.synced();
                recompute(services.apply(obj));
            }
        };
    }

    private List<String> servicesOfPod(String podKey) {
        Scope s = scopeOf(podKey.substring(0, podKey.indexOf('/')));
        if (s == null) {
            return List.of();
        }
        Set<String> keys = new LinkedHashSet<>();
        for (EndpointSlice slice : s.slices.getIndexer().byIndex(BY_POD, podKey)) {
            String key = EndpointIndex.serviceKey(slice);
            if (key != null) {
                keys.add(key);
            }
        }
        return List.copyOf(keys);
    }

    private Scope scopeOf(String namespace) {
        return anyNamespace != null ? anyNamespace : scopes.get(namespace);
    }

    /** Recomputes the tables of the services {@code keys} ({@code namespace/name}); serialised across informers. */
    private synchronized void recompute(List<String> keys) {
        for (String key : keys) {
            int slash = key.indexOf('/');
            String namespace = key.substring(0, slash);
            String name = key.substring(slash + 1);
            String host = (name + "." + namespace + clusterSuffix).toLowerCase(Locale.ROOT);
            Scope s = scopeOf(namespace);
            Service service = s == null ? null : s.services.getIndexer().getByKey(key);
            if (service == null) {
                hosts.remove(host);
                continue;
            }
            List<EndpointSlice> slices = s.slices.getIndexer().byIndex(BY_SERVICE, key);
            EndpointIndex.Ports previous = hosts.get(host);
            EndpointIndex.Ports next = EndpointIndex.compute(service, slices,
                    podKey -> {
                        Scope ps = scopeOf(podKey.substring(0, podKey.indexOf('/')));
                        return ps == null ? null : ps.pods.getIndexer().getByKey(podKey);
                    }, previous);
            if (next != previous) {
                hosts.put(host, next);
            }
        }
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** Builds a {@link KubernetesEndpointRegistry}; each setter checks its value. */
    public static final class Builder {
        private final KubernetesClient client;
        private final Set<String> namespaces = new LinkedHashSet<>();
        private boolean all;
        private String clusterDomain = "cluster.local";
        private Duration resyncPeriod = Duration.ofMinutes(5);
        private Duration syncTimeout = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** Watches {@code namespace}; call again for more. Default: {@code default}. */
        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace");
            if (namespace.length() > 63 || !NAMESPACE.matcher(namespace).matches()) {
                throw new IllegalArgumentException("namespace: \"" + namespace
                        + "\" (expected a Kubernetes namespace name: lower-case letters, digits and '-', at most 63)");
            }
            namespaces.add(namespace);
            return this;
        }

        /** Watches every namespace (needs a ClusterRole). */
        public Builder allNamespaces() {
            this.all = true;
            return this;
        }

        /** The cluster domain of host names (default {@code cluster.local}); match {@code ConfigOptions}. */
        public Builder clusterDomain(String clusterDomain) {
            Objects.requireNonNull(clusterDomain, "clusterDomain");
            if (clusterDomain.isEmpty() || clusterDomain.startsWith(".") || clusterDomain.endsWith(".")
                    || !clusterDomain.equals(clusterDomain.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("clusterDomain: \"" + clusterDomain
                        + "\" (expected a lower-case DNS suffix such as cluster.local)");
            }
            this.clusterDomain = clusterDomain;
            return this;
        }

        /** How often the informers re-deliver their caches (default 5 min; 0 for never). */
        public Builder resyncPeriod(Duration resyncPeriod) {
            Objects.requireNonNull(resyncPeriod, "resyncPeriod");
            if (resyncPeriod.isNegative() || (!resyncPeriod.isZero() && resyncPeriod.toMillis() < 1000)) {
                throw new IllegalArgumentException("resyncPeriod: " + resyncPeriod + " (expected: 0 or >= 1s)");
            }
            this.resyncPeriod = resyncPeriod;
            return this;
        }

        /** How long {@link #build()} waits for the first lists (default 30 s). */
        public Builder syncTimeout(Duration syncTimeout) {
            Objects.requireNonNull(syncTimeout, "syncTimeout");
            if (syncTimeout.isNegative() || syncTimeout.isZero()) {
                throw new IllegalArgumentException("syncTimeout: " + syncTimeout + " (expected: > 0)");
            }
            this.syncTimeout = syncTimeout;
            return this;
        }

        /** The clock of {@link KubernetesEndpointRegistry#lastSuccessfulSync()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Starts the informers and waits for their first lists, so that the first requests see the endpoints.
         *
         * @throws IllegalStateException when both {@link #namespace} and {@link #allNamespaces()} were given, or the
         *                               lists did not complete within the sync timeout (the message says why, e.g.
         *                               the API server's 403 and the RBAC to grant)
         */
        public KubernetesEndpointRegistry build() {
            if (all && !namespaces.isEmpty()) {
                throw new IllegalStateException("KubernetesEndpointRegistry.builder(): give namespace(...) or"
                        + " allNamespaces(), not both");
            }
            Builder b = this;
            if (!all && namespaces.isEmpty()) {
                namespaces.add("default");
            }
            return new KubernetesEndpointRegistry(b);
        }
    }
}

package io.inmesh.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.kubernetes.internal.ConfigMapFiles;
import io.inmesh.kubernetes.internal.InformerHealth;
import io.inmesh.kubernetes.internal.SerialDebouncer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Mesh configuration from Kubernetes ConfigMaps, read and watched through the API server (no volume mount, no
 * kubelet sync delay): one ConfigMap by namespace and name, or every ConfigMap of a namespace that a label selector
 * picks.
 *
 * <pre>{@code
 * KubernetesClient client = new KubernetesClientBuilder().build();   // in a pod: its service account
 * Mesh mesh = Mesh.builder()
 *         .workload(PodIdentity.detect())
 *         .config(ConfigMapConfigSource.named(client, "default", "mesh-config"))
 *         .build();
 * }</pre>
 *
 * <h2>What it reads</h2>
 * Every key ending in {@code .yaml} or {@code .yml}, from {@code data} and {@code binaryData}, is one
 * {@link ConfigFile} named {@code configmap NAMESPACE/NAME key KEY}, so diagnostics name the ConfigMap and the key.
 * {@link #read()} returns them sorted by name. A ConfigMap that exists without such keys is an empty configuration;
 * a ConfigMap that does not exist (deleted, or no ConfigMap matching the selector) makes {@link #read()} throw
 * {@link NoSuchFileException}, so the caller keeps its last good configuration: to empty the mesh configuration,
 * empty the ConfigMap rather than delete it.
 *
 * <h2>How it watches</h2>
 * A fabric8 informer lists and then watches the ConfigMaps, with watch bookmarks; it re-establishes a closed watch,
 * relists when the API server answers {@code 410 Gone} (the resource version expired), retries failures with
 * back-off, and re-delivers its cache every resync period. Every change is fingerprinted (SHA-256 over the file
 * names and contents): resyncs and updates that change nothing InMesh reads (labels, other keys, a re-applied
 * identical ConfigMap) call nobody. A watchdog checks the informer every {@link Builder#checkInterval check
 * interval}: a stopped informer is replaced, so a watch never stalls silently; {@link #isWatching()} and
 * {@link #lastSuccessfulSync()} report its state for health checks.
 *
 * <h2>Threads and ownership</h2>
 * As {@link ConfigSource} says: {@code onChange} runs debounced on one daemon thread of this source. The client
 * belongs to the caller and is not closed by {@link #close()}; one client can serve this source and a
 * {@link KubernetesEndpointRegistry}. The pod's service account needs {@code get}, {@code list} and {@code watch}
 * on {@code configmaps} in the namespace.
 */
public final class ConfigMapConfigSource implements ConfigSource {
    private static final System.Logger LOG = System.getLogger(ConfigMapConfigSource.class.getName());
    /** Kubernetes object names: DNS subdomains (RFC 1123), at most 253 characters. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Namespaces: DNS labels, at most 63 characters. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String labelSelector;
    private final Duration quietPeriod;
    private final Duration resyncPeriod;
    private final Duration syncTimeout;
    private final Duration checkInterval;
    private final String description;
    private final InformerHealth health;
    private final ScheduledExecutorService thread;
    private final ScheduledFuture<?> watchdog;
    private final Object lock = new Object();
    private SharedIndexInformer<ConfigMap> informer;
    private CompletableFuture<Void> started;
    private SerialDebouncer debouncer;
    private Runnable onChange;
    private String delivered;
    private boolean closed;
    private int restarts;
    private final AtomicLong examined = new AtomicLong();

    private ConfigMapConfigSource(Builder b) {
        this.client = b.client;
        this.namespace = b.namespace;
        this.name = b.name;
        this.labelSelector = b.labelSelector;
        this.quietPeriod = b.quietPeriod;
        this.resyncPeriod = b.resyncPeriod;
        this.syncTimeout = b.syncTimeout;
        this.checkInterval = b.checkInterval;
        this.description = name != null ? "configmap " + namespace + "/" + name
                : "configmaps in namespace " + namespace + " selected by " + labelSelector;
        this.health = new InformerHealth(description, "get, list and watch on configmaps in namespace " + namespace,
                b.clock);
        String threadName = "inmesh-configmap-" + namespace + "/" + (name != null ? name : labelSelector);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        synchronized (lock) {
            startInformer();
        }
        long check = checkInterval.toNanos();
        this.watchdog = thread.scheduleWithFixedDelay(this::check, check, check, TimeUnit.NANOSECONDS);
    }

    /** Watches the ConfigMap {@code namespace/name}, with default settings. */
    public static ConfigMapConfigSource named(KubernetesClient client, String namespace, String name) {
        return builder(client).namespace(namespace).name(name).build();
    }

    /**
     * Watches every ConfigMap in {@code namespace} that {@code labelSelector} selects (Kubernetes syntax, e.g.
     * {@code inmesh.io/config=true}), with default settings.
     */
    public static ConfigMapConfigSource selected(KubernetesClient client, String namespace, String labelSelector) {
        return builder(client).namespace(namespace).labelSelector(labelSelector).build();
    }

    /** A builder; {@link Builder#namespace} and one of {@link Builder#name} or {@link Builder#labelSelector} are needed. */
    public static Builder builder(KubernetesClient client) {
        return new Builder(client);
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * The config files of the ConfigMap(s) as the informer holds them now. Before the informer's first list
     * completes, waits for it up to the sync timeout.
     *
     * @throws NoSuchFileException when the ConfigMap does not exist, or no ConfigMap matches the selector
     * @throws IOException         when the first list did not complete within the sync timeout (the message says
     *                             why, e.g. the API server's 403 and the RBAC to grant), or a key is not valid base64
     */
    @Override
    public List<ConfigFile> read() throws IOException {
        SharedIndexInformer<ConfigMap> inf = awaitSynced();
        List<ConfigMap> maps = inf.getStore().list();
        if (maps.isEmpty()) {
            throw new NoSuchFileException(description, null, name != null
                    ? "ConfigMap not found in the API server (deleted, or not created yet)"
                    : "no ConfigMap matches the label selector");
        }
        return ConfigMapFiles.files(maps);
    }

    @Override
    public void watch(Runnable onChange) {
        Objects.requireNonNull(onChange, "onChange");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(description + ": source is closed");
            }
            if (this.onChange != null) {
                throw new IllegalStateException(description + ": already watching");
            }
            this.onChange = onChange;
            this.delivered = fingerprint(informer);
            this.debouncer = new SerialDebouncer(thread, this::deliver, description, quietPeriod,
                    maxDelay(quietPeriod), System::nanoTime);
        }
    }

    /** True while the informer has an open watch on the API server. */
    public boolean isWatching() {
        SharedIndexInformer<ConfigMap> inf;
        synchronized (lock) {
            inf = informer;
        }
        return inf != null && inf.isWatching();
    }

    /**
     * When the source was last known to be in step with the API server: a list completed, an event arrived, or the
     * watchdog found the watch open. Empty before the first list. A health check can call the source stale when this
     * is older than a few check intervals.
     */
    public Optional<Instant> lastSuccessfulSync() {
        return Optional.ofNullable(health.lastSuccessfulSync());
    }

    /** The last error talking to the API server since the last successful sync (e.g. a 403 and the RBAC to grant). */
    public Optional<String> lastError() {
        return Optional.ofNullable(health.lastError());
    }

    /** Stops the informer and the watch thread. Does not close the client. Idempotent. */
    @Override
    public void close() {
        SharedIndexInformer<ConfigMap> inf;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            inf = informer;
            informer = null;
            if (debouncer != null) {
                debouncer.close();
            }
        }
        watchdog.cancel(false);
        if (inf != null) {
            inf.stop();
        }
        thread.shutdownNow();
        if (!Thread.currentThread().getName().startsWith("inmesh-configmap-")) {
            try {
                if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.log(Level.WARNING, "InMesh: the change handler of " + description
                            + " is still running 10 s after close()");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** For tests: how many settled changes were examined (delivered or found unchanged). */
    long examinedChanges() {
        return examined.get();
    }

    /** For tests: how many times the watchdog replaced a stopped informer. */
    int restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    @Override
    public String toString() {
        return "ConfigMapConfigSource[" + description + "]";
    }

    // ---- implementation

    /** Creates and starts a new informer; holds {@code lock}. */
    private void startInformer() {
        NonNamespaceOperation<ConfigMap, ConfigMapList, Resource<ConfigMap>> op = client.configMaps()
                .inNamespace(namespace);
        SharedIndexInformer<ConfigMap> inf = name != null
                ? op.withName(name).runnableInformer(resyncPeriod.toMillis())
                : op.withLabelSelector(labelSelector).runnableInformer(resyncPeriod.toMillis());
        inf.exceptionHandler(health::failed);
        inf.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onList(String resourceVersion, boolean initial) {
                health.synced();
                changed();
            }

            @Override
            public void onAdd(ConfigMap cm) {
                health.synced();
                changed();
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                if (sameVersion(before, after)) {
                    changed(); // a resync: the fingerprint decides, cheaply, that nothing changed
                    return;
                }
                health.synced();
                changed();
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                health.synced();
                changed();
            }
        });
        informer = inf;
        started = inf.start().toCompletableFuture();
        started.whenComplete((ok, failure) -> {
            if (failure == null) {
                health.synced();
            } else if (!isClosed()) {
                health.failed(false, failure);
            }
        });
    }

    private static boolean sameVersion(ConfigMap a, ConfigMap b) {
        String va = a.getMetadata() == null ? null : a.getMetadata().getResourceVersion();
        String vb = b.getMetadata() == null ? null : b.getMetadata().getResourceVersion();
        return va != null && va.equals(vb);
    }

    private void changed() {
        SerialDebouncer d;
        synchronized (lock) {
            d = debouncer;
        }
        if (d != null) {
            d.signal();
        }
    }

    /** On the source's thread, after changes settled: calls {@code onChange} when the content really changed. */
    private void deliver() {
        Runnable callback;
        synchronized (lock) {
            if (closed || informer == null) {
                return;
            }
            String now = fingerprint(informer);
            boolean same = now.equals(delivered);
            delivered = now;
            callback = onChange;
            examined.incrementAndGet();
            if (same) {
                return;
            }
        }
        callback.run();
    }

    private static String fingerprint(SharedIndexInformer<ConfigMap> inf) {
        if (!inf.hasSynced()) {
            return "unsynced";
        }
        List<ConfigMap> maps = inf.getStore().list();
        return maps.isEmpty() ? "absent" : ConfigMapFiles.fingerprint(maps);
    }

    /** The watchdog: replaces an informer that stopped, and notes a watch found open as a successful sync. */
    private void check() {
        SharedIndexInformer<ConfigMap> stopped = null;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (informer.isRunning()) {
                if (informer.isWatching()) {
                    health.synced();
                }
                return;
            }
            stopped = informer;
            restarts++;
            LOG.log(Level.WARNING, "InMesh: the informer of " + description + " stopped (" + (health.lastError() == null
                    ? "no error reported" : health.lastError()) + "); starting a new one (restart " + restarts + ")");
            startInformer();
        }
        stopped.stop();
        changed();
    }

    private SharedIndexInformer<ConfigMap> awaitSynced() throws IOException {
        long deadline = System.nanoTime() + syncTimeout.toNanos();
        while (true) {
            SharedIndexInformer<ConfigMap> inf;
            CompletableFuture<Void> first;
            synchronized (lock) {
                if (closed) {
                    throw new IOException(description + ": source is closed");
                }
                inf = informer;
                first = started;
            }
            if (inf.hasSynced()) {
                return inf;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                String error = health.lastError();
                throw new IOException(description + ": no list from the API server within " + syncTimeout
                        + (error == null ? "" : " (" + error + ")"));
            }
            try {
                first.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)),
                        TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(description + ": interrupted while waiting for the first list", e);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // not synced yet: the informer retries; poll hasSynced until the deadline
            }
        }
    }

    private static Duration maxDelay(Duration quiet) {
        Duration tenQuiet = quiet.multipliedBy(10);
        return tenQuiet.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenQuiet;
    }

    /** Builds a {@link ConfigMapConfigSource}; each setter checks its value. */
    public static final class Builder {
        private final KubernetesClient client;
        private String namespace;
        private String name;
        private String labelSelector;
        private Duration quietPeriod = Duration.ofMillis(25);
        private Duration resyncPeriod = Duration.ofMinutes(5);
        private Duration syncTimeout = Duration.ofSeconds(30);
        private Duration checkInterval = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();

        private Builder(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** The namespace of the ConfigMap(s). Required. */
        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace");
            if (namespace.length() > 63 || !NAMESPACE.matcher(namespace).matches()) {
                throw new IllegalArgumentException("namespace: \"" + namespace
                        + "\" (expected a Kubernetes namespace name: lower-case letters, digits and '-', at most 63)");
            }
            this.namespace = namespace;
            return this;
        }

        /** Watches the ConfigMap with this name. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.length() > 253 || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name: \"" + name
                        + "\" (expected a Kubernetes object name: lower-case letters, digits, '-' and '.')");
            }
            this.name = name;
            return this;
        }

        /** Watches the ConfigMaps this label selector picks, e.g. {@code inmesh.io/config=true} or {@code app in (a,b)}. */
        public Builder labelSelector(String labelSelector) {
            Objects.requireNonNull(labelSelector, "labelSelector");
            if (labelSelector.isBlank()) {
                throw new IllegalArgumentException("labelSelector: \"\" (expected a selector such as"
                        + " inmesh.io/config=true; an empty one would select every ConfigMap of the namespace)");
            }
            this.labelSelector = labelSelector;
            return this;
        }

        /** How long changes must be quiet before {@code onChange} runs (default 25 ms, as the file sources). */
        public Builder quietPeriod(Duration quietPeriod) {
            Objects.requireNonNull(quietPeriod, "quietPeriod");
            if (quietPeriod.isNegative()) {
                throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: >= 0)");
            }
            this.quietPeriod = quietPeriod;
            return this;
        }

        /** How often the informer re-delivers its cache (default 5 min); 0 turns resyncs off. */
        public Builder resyncPeriod(Duration resyncPeriod) {
            Objects.requireNonNull(resyncPeriod, "resyncPeriod");
            if (resyncPeriod.isNegative() || (!resyncPeriod.isZero() && resyncPeriod.toMillis() < 1000)) {
                throw new IllegalArgumentException("resyncPeriod: " + resyncPeriod + " (expected: 0 or >= 1s)");
            }
            this.resyncPeriod = resyncPeriod;
            return this;
        }

        /** How long {@link #read()} waits for the first list from the API server (default 30 s). */
        public Builder syncTimeout(Duration syncTimeout) {
            Objects.requireNonNull(syncTimeout, "syncTimeout");
            if (syncTimeout.isNegative() || syncTimeout.isZero()) {
                throw new IllegalArgumentException("syncTimeout: " + syncTimeout + " (expected: > 0)");
            }
            this.syncTimeout = syncTimeout;
            return this;
        }

        /** How often the watchdog checks the informer (default 5 s). */
        public Builder checkInterval(Duration checkInterval) {
            Objects.requireNonNull(checkInterval, "checkInterval");
            if (checkInterval.toMillis() < 10) {
                throw new IllegalArgumentException("checkInterval: " + checkInterval + " (expected: >= 10ms)");
            }
            this.checkInterval = checkInterval;
            return this;
        }

        /** The clock of {@link ConfigMapConfigSource#lastSuccessfulSync()} (tests inject one). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the source and starts its informer (the first {@link #read()} waits for its first list).
         *
         * @throws IllegalStateException when the namespace is missing, or not exactly one of name and label selector
         *                               is given
         */
        public ConfigMapConfigSource build() {
            if (namespace == null) {
                throw new IllegalStateException("ConfigMapConfigSource.builder(): namespace(...) is required");
            }
            if ((name == null) == (labelSelector == null)) {
                throw new IllegalStateException("ConfigMapConfigSource.builder(): give exactly one of name(...) and"
                        + " labelSelector(...)");
            }
            return new ConfigMapConfigSource(this);
        }
    }
}

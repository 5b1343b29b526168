package io.inmesh;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.ConfigWatcher;
import io.inmesh.config.InvalidConfigException;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.InboundDecision;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.internal.SecurityPlane;
import io.inmesh.security.internal.jwt.JwksCache;
import io.inmesh.security.internal.ratelimit.RateLimitBuckets;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.internal.TrafficPlane;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * An in-process mesh: the configuration (Istio YAML, watched), the workload this process runs as, the endpoint
 * registries and the traffic plane's runtime state. Adapters such as {@code MeshOkHttp} receive a mesh; one mesh per
 * process is the usual setup.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder()
 *         .workload(new Workload("shop", "frontend", Map.of("app", "frontend", "version", "v1")))
 *         .config(ConfigSources.directory(Path.of("/etc/inmesh")))
 *         .build();
 * OkHttpClient client = MeshOkHttp.newClient(mesh);
 * }</pre>
 */
public final class Mesh implements AutoCloseable {
    private final Workload workload;
    private final ConfigHolder holder;
    private final ConfigWatcher watcher;
    private final AutoCloseable subscription;
    private final TrafficPlane traffic;
    private final SecurityPlane security;
    private final String trustDomain;
    private final MeshTls tls;
    private final TelemetryPlane telemetry;
    private final AutoCloseable configMetrics;

    private Mesh(Builder b) throws IOException, InvalidConfigException {
        this.workload = b.workload;
        this.telemetry = new TelemetryPlane(b.telemetry, b.workload,
                SpiffeId.of(b.trustDomain, b.workload).uri());
        this.traffic = new TrafficPlane(b.workload, b.endpointRegistry, b.nanoClock, b.random,
                telemetry.meshMetrics());
        this.security = new SecurityPlane(b.workload, JwksCache.create(), new RateLimitBuckets(b.nanoClock));
        this.trustDomain = b.trustDomain;
        this.tls = b.certificates == null ? null : MeshTls.create(b.certificates);
        if (tls != null) {
            telemetry.meshMetrics().watchCertificate(tls);
        }
        if (b.holder != null) {
            this.holder = b.holder;
            this.watcher = null;
        } else {
            this.holder = ConfigHolder.create(b.options);
            if (b.source != null) {
                try {
                    this.watcher = ConfigWatcher.start(b.source, holder);
                } catch (IOException | InvalidConfigException | RuntimeException e) {
                    // the mesh owns the source it was given: a mesh that fails to start leaves nothing running
                    b.source.close();
                    security.close();
                    if (tls != null) {
                        tls.close();
                    }
                    throw e;
                }
            } else {
                this.watcher = null;
                ConfigUpdate u = holder.update(b.files);
                if (u instanceof ConfigUpdate.Rejected) {
                    throw new InvalidConfigException("configuration given to Mesh.builder().configFiles",
                            ((ConfigUpdate.Rejected) u).rejection().diagnostics());
                }
            }
        }
        this.subscription = holder.addListener(this::apply);
        this.configMetrics = telemetry.meshMetrics().watchConfig(holder);
        if (holder.loaded()) {
            apply(holder.current());
        }
    }

    private void apply(MeshSnapshot snapshot) {
        traffic.update(snapshot);
        security.update(snapshot);
    }

    /** A builder; {@link Builder#workload} and one of the config methods are needed. */
    public static Builder builder() {
        return new Builder();
    }

    /** The workload this process runs as. */
    public Workload workload() {
        return workload;
    }

    /** The configuration holder: current snapshot, last rejection, listeners. */
    public ConfigHolder config() {
        return holder;
    }

    /** The routing decision for {@code request} on the current configuration, without sending anything. */
    public RouteDecision route(RequestView request) {
        return traffic.route(request);
    }

    /**
     * Runs the inbound checks of this workload for a request that arrived at it: PeerAuthentication mode,
     * RequestAuthentication (JWT), AuthorizationPolicy, LocalRateLimit, in Istio's order. Server adapters call this
     * before the application sees the request.
     */
    public InboundDecision inbound(InboundRequest request) {
        return security.check(request);
    }

    /** The PeerAuthentication mode in force for {@code port} of this workload (STRICT, PERMISSIVE or DISABLE). */
    public PeerAuthentication.Mode mtlsMode(int port) {
        return security.mtlsMode(port);
    }

    /** The trust domain of the mesh's SPIFFE identities ({@code cluster.local} unless configured). */
    public String trustDomain() {
        return trustDomain;
    }

    /** This workload's SPIFFE identity: {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}. */
    public SpiffeId identity() {
        return SpiffeId.of(trustDomain, workload);
    }

    /**
     * The mesh's TLS material (workload certificate, trust bundle, SPIFFE peer verification), or null when the mesh
     * was built without {@link Builder#certificates}: then calls that need mutual TLS fail closed.
     */
    public MeshTls tls() {
        return tls;
    }

    /**
     * The destinations this workload has sent requests to and still routes to, with their endpoints, requests in flight
     * and outlier ejections; for diagnostics.
     */
    public java.util.List<io.inmesh.traffic.DestinationStatus> destinations() {
        return traffic.destinations();
    }

    /** The traffic plane, for adapters (an {@code internal} type). */
    public TrafficPlane traffic() {
        return traffic;
    }

    /** The telemetry at run time (propagation, spans, metrics, access log), for adapters. */
    public TelemetryPlane telemetry() {
        return telemetry;
    }

    /** Stops watching the configuration source. */
    @Override
    public void close() {
        try {
            subscription.close();
            configMetrics.close();
        } catch (Exception ignored) {
            // listener removal cannot fail
        }
        if (watcher != null) {
            watcher.close();
        }
        security.close();
        if (tls != null) {
            tls.close();
        }
    }

    /** Builds a {@link Mesh}. */
    public static final class Builder {
        private Workload workload;
        private ConfigOptions options = ConfigOptions.DEFAULTS;
        private ConfigSource source;
        private List<ConfigFile> files;
        private ConfigHolder holder;
        private EndpointRegistry endpointRegistry;
        private LongSupplier nanoClock = System::nanoTime;
        private RandomGenerator random = new ThreadLocalRandomGenerator();
        private String trustDomain = SpiffeId.DEFAULT_TRUST_DOMAIN;
        private CertificateSource certificates;
        private MeshTelemetry telemetry = MeshTelemetry.defaults();

        private Builder() {
        }

        /** The workload this process runs as (namespace, service account, labels). Required. */
        public Builder workload(Workload workload) {
            this.workload = Objects.requireNonNull(workload, "workload");
            return this;
        }

        /** How resources are read: default namespace, cluster domain, root namespace. */
        public Builder options(ConfigOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Reads configuration from {@code source} and watches it; see {@code ConfigSources}. */
        public Builder config(ConfigSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Uses fixed configuration files (not watched). */
        public Builder configFiles(List<ConfigFile> files) {
            this.files = List.copyOf(files);
            return this;
        }

        /** Uses a holder that something else fills (the Kubernetes module, the Spring starter). */
        public Builder configHolder(ConfigHolder holder) {
            this.holder = Objects.requireNonNull(holder, "holder");
            return this;
        }

        /** Endpoints from outside the configuration, consulted before ServiceEntries. */
        public Builder endpointRegistry(EndpointRegistry registry) {
            this.endpointRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The trust domain of SPIFFE identities; {@code cluster.local} by default, as in Istio. */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
            return this;
        }

        /**
         * Where the workload certificate comes from ({@link io.inmesh.security.CertificateSources}): the built-in CA
         * or PEM files. Needed for mutual TLS; the caller keeps ownership of the source and closes it.
         */
        public Builder certificates(CertificateSource certificates) {
            this.certificates = Objects.requireNonNull(certificates, "certificates");
            return this;
        }

        /**
         * Traces, metrics and the access log ({@link MeshTelemetry}); by default spans go to the global
         * OpenTelemetry with 1 % sampling, and there are no metrics and no access log.
         */
        public Builder telemetry(MeshTelemetry telemetry) {
            this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
            return this;
        }

        /** Monotonic time in nanoseconds (tests inject a fake). */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** The random source for weighted picks, fault percentages and back-off; must be thread-safe. */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Builds the mesh and loads the configuration.
         *
         * @throws InvalidConfigException when the initial configuration has errors
         * @throws IOException            when the configuration source cannot be read
         */
        public Mesh build() throws IOException, InvalidConfigException {
            if (workload == null) {
                throw new IllegalStateException("Mesh.builder(): workload(...) is required");
            }
            int configs = (source != null ? 1 : 0) + (files != null ? 1 : 0) + (holder != null ? 1 : 0);
            if (configs != 1) {
                throw new IllegalStateException("Mesh.builder(): give exactly one of config(source), configFiles(...)"
                        + " and configHolder(...)");
            }
            if (certificates != null) {
                SpiffeId id = certificates.current().spiffeId();
                if (!id.trustDomain().equals(trustDomain)) {
                    throw new IllegalStateException("the workload certificate's identity " + id + " is not in the"
                            + " mesh's trust domain " + trustDomain + "; set Mesh.builder().trustDomain(...) to match");
                }
            }
            return new Mesh(this);
        }
    }

    /** {@link ThreadLocalRandom} behind the thread-safe {@link RandomGenerator} interface. */
    private static final class ThreadLocalRandomGenerator implements RandomGenerator {
        @Override
        public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
        }

        @Override
        public double nextDouble() {
            return ThreadLocalRandom.current().nextDouble();
        }

        @Override
        public long nextLong(long bound) {
            return ThreadLocalRandom.current().nextLong(bound);
        }

        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }
    }
}

package io.inmesh.telemetry.internal.metrics;

import io.inmesh.traffic.ResponseFlag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Istio's standard metrics ({@code istio_requests_total}, {@code istio_request_duration_milliseconds},
 * {@code istio_request_bytes}, {@code istio_response_bytes}) with Istio's names, labels and buckets. One instance per
 * mesh; thread-safe; recording does not allocate once a label combination has been seen.
 *
 * <h2>Labels</h2>
 * What each reporter writes follows Istio's stats filter ({@code istio/proxy}
 * {@code source/extensions/filters/http/istio_stats/istio_stats.cc}):
 * <ul>
 *   <li>reporter=source (a client request): {@code source_*} are this workload's, {@code source_principal} its
 *       SPIFFE ID only when the request went over mesh mTLS (else {@code unknown});
 *       {@code destination_*} the peer's; {@code connection_security_policy} is {@code unknown}, as Istio's client
 *       sidecar writes it (only the server knows the policy it enforced).</li>
 *   <li>reporter=destination (a server request): {@code destination_*} are this workload's,
 *       {@code destination_principal} its SPIFFE ID only over mTLS; {@code source_*} the peer's;
 *       {@code connection_security_policy} is {@code mutual_tls} or {@code none}.</li>
 *   <li>{@code destination_service_name} and {@code destination_service_namespace} come from a Kubernetes host
 *       {@code name.namespace.svc...}; for another host the name is the host and the namespace is the destination
 *       workload's (the peer's on the client, this workload's on the server), {@code unknown} when not known, as
 *       Istio does.</li>
 *   <li>{@code source_cluster}/{@code destination_cluster}: {@value #CLUSTER}, Istio's default cluster id, for this
 *       workload and for a known peer; {@code unknown} for a peer nothing is known of.</li>
 *   <li>A peer's unknown canonical revision is written {@code latest}, as Istio does.</li>
 *   <li>{@code request_protocol} is {@code http}; {@code grpc_response_status} is empty (Istio writes it only for
 *       gRPC requests); {@code response_flags} is Envoy's text, {@code -} for none; {@code response_code} is
 *       {@code 0} when there was no response.</li>
 * </ul>
 *
 * <h2>Bounds and cost</h2>
 * Meters are cached per (peer labels, destination service) and, within that, per response code and mTLS bit in
 * arrays, so the steady state allocates nothing. At most {@link #DEFAULT_MAX_COMBINATIONS} (peer, service)
 * combinations are kept per reporter; requests beyond that are recorded with unknown peer labels and
 * {@code destination_service="unknown"} rather than growing the registry without limit. Combinations with response
 * flags go through a map with a boxed key (they are rare: failures).
 */
public final class IstioMetrics {
    /**
     * Istio's buckets for all three histograms: Envoy's default histogram buckets, which Istio does not override
     * (milliseconds for the duration, bytes for the sizes).
     */
    public static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
        60000, 300000, 600000, 1800000, 3600000};

    /** Istio's default cluster id ({@code CLUSTER_ID}), written as this workload's cluster. */
    public static final String CLUSTER = "Kubernetes";

    /** (peer, destination service) combinations kept per reporter before recording as unknown. */
    public static final int DEFAULT_MAX_COMBINATIONS = 2000;

    /** Micrometer names that the Prometheus naming convention turns into Istio's names. */
    static final String REQUESTS = "istio.requests";
    static final String DURATION = "istio.request.duration";
    static final String REQUEST_BYTES = "istio.request.bytes";
    static final String RESPONSE_BYTES = "istio.response.bytes";

    private static final String UNKNOWN = PeerLabels.UNKNOWN;
    private static final String NO_SERVICE = "";
    private static final double NANOS_PER_MILLI = 1_000_000.0;

    private final MeterRegistry registry;
    private final PeerLabels self;
    private final Side client;
    private final Side server;

    /** @param self this workload's labels: the source on the client side, the destination on the server side */
    public IstioMetrics(MeterRegistry registry, PeerLabels self) {
        this(registry, self, DEFAULT_MAX_COMBINATIONS);
    }

    IstioMetrics(MeterRegistry registry, PeerLabels self, int maxCombinations) {
        this.registry = registry;
        this.self = self;
        this.client = new Side(true, maxCombinations);
        this.server = new Side(false, maxCombinations);
    }

    /**
     * One request made by this workload (reporter=source).
     *
     * @param destination        the destination's labels (from the endpoint and the peer's certificate); pass the
     *                           same instance for the same peer, {@link PeerLabels#unknown()} when nothing is known
     * @param destinationService the destination host, fully qualified (the route's chosen host); null: unknown
     * @param responseCode       the status returned to the application (0 when no response)
     * @param responseFlags      {@code ResponseFlag} bits
     * @param mutualTls          whether the (last) try used mesh mTLS
     * @param durationNanos      from the start of the request to the end of the response
     * @param requestBytes       request body bytes sent (negative: unknown, recorded as 0)
     * @param responseBytes      response body bytes received (negative: unknown, recorded as 0)
     */
    public void recordClient(PeerLabels destination, String destinationService, int responseCode, int responseFlags,
                             boolean mutualTls, long durationNanos, long requestBytes, long responseBytes) {
        client.entry(destination, destinationService).series(responseCode, responseFlags, mutualTls)
                .record(durationNanos, requestBytes, responseBytes);
    }

    /**
     * One request received by this workload (reporter=destination).
     *
     * @param source             the caller's labels (from its certificate and what else is known of it);
     *                           {@link PeerLabels#unknown()} when nothing is known
     * @param destinationService the host the request was addressed to, fully qualified when known; null: this
     *                           workload's canonical service, as Istio falls back to
     * @param mutualTls          whether the request arrived over mesh mTLS (a verified client certificate)
     */
    public void recordServer(PeerLabels source, String destinationService, int responseCode, int responseFlags,
                             boolean mutualTls, long durationNanos, long requestBytes, long responseBytes) {
        server.entry(source, destinationService).series(responseCode, responseFlags, mutualTls)
                .record(durationNanos, requestBytes, responseBytes);
    }

    /** Number of (peer, service) combinations held for both reporters (for tests and diagnostics). */
    int combinations() {
        return client.count + server.count;
    }

    /** The meters of one label combination. */
    private static final class Series {
        final Counter requests;
        final DistributionSummary duration;
        final DistributionSummary requestBytes;
        final DistributionSummary responseBytes;

        Series(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
               DistributionSummary responseBytes) {
            this.requests = requests;
            this.duration = duration;
            this.requestBytes = requestBytes;
            this.responseBytes = responseBytes;
        }

        void record(long durationNanos, long reqBytes, long respBytes) {
            requests.increment();
            duration.record(Math.max(0, durationNanos) / NANOS_PER_MILLI);
            requestBytes.record(Math.max(0, reqBytes));
            responseBytes.record(Math.max(0, respBytes));
        }
    }

    /** One reporter's cache: peer labels -> destination service -> meters. */
    private final class Side {
        final boolean source;
        final int max;
        final Map<PeerLabels, Map<String, Entry>> peers = new ConcurrentHashMap<>();
        int count; // guarded by this
        volatile Entry overflow;
        /**
         * The entry returned last, when it was looked up with the instances it was created with. Not volatile: an
         * entry's fields are final (safe to read through a race), and a stale value only means a map lookup.
         */
        private Entry last;

        Side(boolean source, int max) {
            this.source = source;
            this.max = max;
        }

        Entry entry(PeerLabels peer, String service) {
            String key = service == null ? NO_SERVICE : service;
            // Callers pass the same instances for the same peer and service (cached labels, the snapshot's host
            // names): the entry found last is checked by identity first, without hashing the labels
            Entry last = this.last;
            if (last != null && last.peerKey == peer && last.serviceKey == key) {
                return last;
            }
            Map<String, Entry> services = peers.get(peer);
            Entry e = services == null ? null : services.get(key);
            if (e == null) {
                e = slowEntry(peer, key);
            }
            if (e.peerKey == peer && e.serviceKey == key) {
                this.last = e;
            }
            return e;
        }

        private synchronized Entry slowEntry(PeerLabels peer, String key) {
            Map<String, Entry> services = peers.get(peer);
            Entry e = services == null ? null : services.get(key);
            if (e != null) {
                return e;
            }
            if (count >= max) {
                Entry o = overflow;
                if (o == null) {
                    o = new Entry(this, PeerLabels.unknown(), UNKNOWN, null, null);
                    overflow = o;
                }
                return o;
            }
            e = new Entry(this, peer, key.isEmpty() ? null : key, peer, key);
            if (services == null) {
                services = new ConcurrentHashMap<>();
                peers.put(peer, services);
            }
            services.put(key, e);
            count++;
            return e;
        }
    }

    /**
     * The meters of one (peer, destination service): by response code in rows of a hundred codes (allocated when
     * first used), each code twice (without and with mTLS); other codes and flagged requests in a map.
     */
    private final class Entry {
        private static final int ROW = 200;
        final Side side;
        final List<Tag> common;
        final String peerNamespace;
        final AtomicReferenceArray<AtomicReferenceArray<Series>> rows = new AtomicReferenceArray<>(6);
        final Map<Long, Series> others = new ConcurrentHashMap<>();

        /** The peer and service key this entry was created for (not the labels: the overflow entry's differ). */
        final PeerLabels peerKey;
        final String serviceKey;

        Entry(Side side, PeerLabels peer, String service, PeerLabels peerKey, String serviceKey) {
            this.side = side;
            this.peerKey = peerKey;
            this.serviceKey = serviceKey;
            this.peerNamespace = orUnknown(peer.namespace());
            this.common = commonTags(side.source, peer, service);
        }

        Series series(int code, int flags, boolean mtls) {
            if (flags == 0) {
                int row;
                int col;
                if (code >= 100 && code <= 599) {
                    row = code / 100;
                    col = (code % 100) * 2 + (mtls ? 1 : 0);
                } else if (code == 0) {
                    row = 0;
                    col = mtls ? 1 : 0;
                } else {
                    return other(code, flags, mtls);
                }
                AtomicReferenceArray<Series> r = rows.get(row);
                if (r == null) {
                    rows.compareAndSet(row, null, new AtomicReferenceArray<>(ROW));
                    r = rows.get(row);
                }
                Series s = r.get(col);
                if (s == null) {
                    s = create(code, flags, mtls);
                    r.set(col, s); // racing creators get the same meters from the registry
                }
                return s;
            }
            return other(code, flags, mtls);
        }

        private Series other(int code, int flags, boolean mtls) {
            long key = ((long) flags << 32) | ((code & 0x7fff_ffffL) << 1) | (mtls ? 1 : 0);
            Series s = others.get(key);
            if (s == null) {
                s = others.computeIfAbsent(key, k -> create(code, flags, mtls));
            }
            return s;
        }

        private Series create(int code, int flags, boolean mtls) {
            List<Tag> tags = new ArrayList<>(common.size() + 6);
            tags.addAll(common);
            String principal = mtls ? orUnknown(self.principal()) : UNKNOWN;
            tags.add(Tag.of(side.source ? "source_principal" : "destination_principal", principal));
            tags.add(Tag.of("request_protocol", "http"));
            tags.add(Tag.of("response_code", Integer.toString(code)));
            tags.add(Tag.of("response_flags", ResponseFlag.format(flags)));
            tags.add(Tag.of("connection_security_policy", side.source ? UNKNOWN : mtls ? "mutual_tls" : "none"));
            tags.add(Tag.of("grpc_response_status", ""));
            Tags all = Tags.of(tags);
            return new Series(
                    Counter.builder(REQUESTS).description("Requests, as Istio counts them").tags(all)
                            .register(registry),
                    histogram(DURATION, "milliseconds", "Request durations, as Istio measures them", all),
                    histogram(REQUEST_BYTES, "bytes", "Request body sizes", all),
                    histogram(RESPONSE_BYTES, "bytes", "Response body sizes", all));
        }

        private DistributionSummary histogram(String name, String unit, String description, Tags tags) {
            return DistributionSummary.builder(name)
                    .baseUnit(unit)
                    .description(description)
                    .serviceLevelObjectives(BUCKETS)
                    .publishPercentileHistogram(false)
                    .tags(tags)
                    .register(registry);
        }
    }

    /** Every label but those that depend on the response and the mTLS bit, for one (peer, service). */
    private List<Tag> commonTags(boolean sourceReporter, PeerLabels peer, String service) {
        PeerLabels src = sourceReporter ? self : peer;
        PeerLabels dst = sourceReporter ? peer : self;
        String serviceHost = service != null ? service
                : sourceReporter ? UNKNOWN : orUnknown(self.canonicalService());
        String[] nameNs = serviceNameAndNamespace(serviceHost, orUnknown(dst.namespace()));
        List<Tag> tags = new ArrayList<>(32);
        tags.add(Tag.of("reporter", sourceReporter ? "source" : "destination"));
        tags.add(Tag.of("source_workload", orUnknown(src.workload())));
        tags.add(Tag.of("source_workload_namespace", orUnknown(src.namespace())));
        if (!sourceReporter) {
            tags.add(Tag.of("source_principal", orUnknown(src.principal())));
        }
        tags.add(Tag.of("source_app", orUnknown(src.app())));
        tags.add(Tag.of("source_version", orUnknown(src.version())));
        tags.add(Tag.of("source_canonical_service", orUnknown(src.canonicalService())));
        tags.add(Tag.of("source_canonical_revision", revision(src.canonicalRevision())));
        tags.add(Tag.of("source_cluster", cluster(src)));
        tags.add(Tag.of("destination_workload", orUnknown(dst.workload())));
        tags.add(Tag.of("destination_workload_namespace", orUnknown(dst.namespace())));
        if (sourceReporter) {
            tags.add(Tag.of("destination_principal", orUnknown(dst.principal())));
        }
        tags.add(Tag.of("destination_app", orUnknown(dst.app())));
        tags.add(Tag.of("destination_version", orUnknown(dst.version())));
        tags.add(Tag.of("destination_service", serviceHost));
        tags.add(Tag.of("destination_service_name", nameNs[0]));
        tags.add(Tag.of("destination_service_namespace", nameNs[1]));
        tags.add(Tag.of("destination_canonical_service", orUnknown(dst.canonicalService())));
        tags.add(Tag.of("destination_canonical_revision", revision(dst.canonicalRevision())));
        tags.add(Tag.of("destination_cluster", cluster(dst)));
        return List.copyOf(tags);
    }

    /**
     * {@code destination_service_name} and {@code destination_service_namespace} of {@code host}: the first two labels
     * of a Kubernetes service host ({@code name.namespace.svc[.cluster domain]}); otherwise the host itself and
     * {@code fallbackNamespace} (the destination workload's namespace, as Istio writes).
     */
    static String[] serviceNameAndNamespace(String host, String fallbackNamespace) {
        int first = host.indexOf('.');
        if (first > 0) {
            int second = host.indexOf('.', first + 1);
            if (second > first + 1 && host.startsWith("svc", second + 1)
                    && (host.length() == second + 4 || host.charAt(second + 4) == '.')) {
                return new String[] {host.substring(0, first), host.substring(first + 1, second)};
            }
        }
        return new String[] {host, fallbackNamespace};
    }

    private String cluster(PeerLabels p) {
        if (p == self) {
            return CLUSTER;
        }
        return p == null || UNKNOWN.equals(p.workload()) && UNKNOWN.equals(p.principal()) ? UNKNOWN : CLUSTER;
    }

    private static String revision(String r) {
        return r == null || r.isEmpty() || UNKNOWN.equals(r) ? "latest" : r;
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : s;
    }
}

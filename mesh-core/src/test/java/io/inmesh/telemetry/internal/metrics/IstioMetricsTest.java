package io.inmesh.telemetry.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.inmesh.traffic.ResponseFlag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Istio's metrics as Prometheus scrapes them from micrometer-registry-prometheus. */
class IstioMetricsTest {
    static final PeerLabels PRODUCTPAGE = new PeerLabels("productpage-v1", "default",
            "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", "productpage", "v1", "productpage", "v1");
    static final PeerLabels REVIEWS_V2 = new PeerLabels("reviews-v2", "default",
            "spiffe://cluster.local/ns/default/sa/bookinfo-reviews", "reviews", "v2", "reviews", "v2");
    static final String REVIEWS = "reviews.default.svc.cluster.local";

    /** Istio's label names, in its stats filter's order. */
    static final List<String> ISTIO_LABELS = List.of("reporter", "source_workload", "source_workload_namespace",
            "source_principal", "source_app", "source_version", "source_canonical_service",
            "source_canonical_revision", "source_cluster", "destination_workload", "destination_workload_namespace",
            "destination_principal", "destination_app", "destination_version", "destination_service",
            "destination_service_name", "destination_service_namespace", "destination_canonical_service",
            "destination_canonical_revision", "destination_cluster", "request_protocol", "response_flags",
            "connection_security_policy", "response_code", "grpc_response_status");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }

    @Test
    void namesTypesAndLabelNamesAreIstios() {
        IstioMetrics m = new IstioMetrics(registry, PRODUCTPAGE);
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, true, 3_000_000, 10, 2000);
        m.recordServer(REVIEWS_V2, "productpage.default.svc.cluster.local", 200, 0, true, 1_000_000, 0, 5);
        Exposition e = scrape();

        assertThat(e.types).contains(entry("istio_requests_total", "counter"),
                entry("istio_request_duration_milliseconds", "histogram"),
                entry("istio_request_bytes", "histogram"), entry("istio_response_bytes", "histogram"));
        assertThat(e.labelNames("istio_requests_total")).containsExactlyInAnyOrderElementsOf(ISTIO_LABELS);
        for (String h : List.of("istio_request_duration_milliseconds", "istio_request_bytes",
                "istio_response_bytes")) {
            assertThat(e.labelNames(h + "_count")).containsExactlyInAnyOrderElementsOf(ISTIO_LABELS);
            assertThat(e.labelNames(h + "_sum")).containsExactlyInAnyOrderElementsOf(ISTIO_LABELS);
            assertThat(e.labelNames(h + "_bucket")).containsAll(ISTIO_LABELS).contains("le")
                    .hasSize(ISTIO_LABELS.size() + 1);
        }
    }

    @Test
    void clientRequestIsReportedBySourceWithIstiosLabelValues() {
        IstioMetrics m = new IstioMetrics(registry, PRODUCTPAGE);
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, true, 3_000_000, 10, 2000);
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, true, 7_000_000, 30, 1000);
        Exposition e = scrape();

        List<Exposition.Sample> total = e.select("istio_requests_total");
        assertThat(total).hasSize(1);
        assertThat(total.get(0).value()).isEqualTo(2.0);
        Map<String, String> expected = new TreeMap<>();
        expected.put("reporter", "source");
        expected.put("source_workload", "productpage-v1");
        expected.put("source_workload_namespace", "default");
        expected.put("source_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
        expected.put("source_app", "productpage");
        expected.put("source_version", "v1");
        expected.put("source_canonical_service", "productpage");
        expected.put("source_canonical_revision", "v1");
        expected.put("source_cluster", "Kubernetes");
        expected.put("destination_workload", "reviews-v2");
        expected.put("destination_workload_namespace", "default");
        expected.put("destination_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        expected.put("destination_app", "reviews");
        expected.put("destination_version", "v2");
        expected.put("destination_service", REVIEWS);
        expected.put("destination_service_name", "reviews");
        expected.put("destination_service_namespace", "default");
        expected.put("destination_canonical_service", "reviews");
        expected.put("destination_canonical_revision", "v2");
        expected.put("destination_cluster", "Kubernetes");
        expected.put("request_protocol", "http");
        expected.put("response_code", "200");
        expected.put("response_flags", "-");
        expected.put("connection_security_policy", "unknown"); // Istio's client sidecar writes unknown
        expected.put("grpc_response_status", "");
        assertThat(total.get(0).labels()).isEqualTo(expected);

        assertThat(e.value("istio_request_duration_milliseconds_count")).isEqualTo(2.0);
        assertThat(e.value("istio_request_duration_milliseconds_sum")).isEqualTo(10.0);
        assertThat(e.value("istio_request_duration_milliseconds_bucket{le=\"1.0\"}")).isEqualTo(0.0);
        assertThat(e.value("istio_request_duration_milliseconds_bucket{le=\"5.0\"}")).isEqualTo(1.0);
        assertThat(e.value("istio_request_duration_milliseconds_bucket{le=\"10.0\"}")).isEqualTo(2.0);
        assertThat(e.value("istio_request_duration_milliseconds_bucket{le=\"+Inf\"}")).isEqualTo(2.0);
        assertThat(e.value("istio_request_bytes_sum")).isEqualTo(40.0);
        assertThat(e.value("istio_request_bytes_bucket{le=\"10.0\"}")).isEqualTo(1.0);
        assertThat(e.value("istio_request_bytes_bucket{le=\"50.0\"}")).isEqualTo(2.0);
        assertThat(e.value("istio_response_bytes_sum")).isEqualTo(3000.0);
        assertThat(e.value("istio_response_bytes_bucket{le=\"1000.0\"}")).isEqualTo(1.0);
        assertThat(e.value("istio_response_bytes_bucket{le=\"2500.0\"}")).isEqualTo(2.0);
    }

    @Test
    void serverRequestIsReportedByDestinationWithTheSecurityPolicy() {
        IstioMetrics m = new IstioMetrics(registry, REVIEWS_V2);
        m.recordServer(PRODUCTPAGE, REVIEWS, 200, 0, true, 2_000_000, 0, 300);
        m.recordServer(PeerLabels.unknown(), REVIEWS, 403, 0, false, 1_000_000, 0, 19);
        Exposition e = scrape();

        Exposition.Sample mtls = only(e.select("istio_requests_total{connection_security_policy=\"mutual_tls\"}"));
        assertThat(mtls.value()).isEqualTo(1.0);
        assertThat(mtls.labels()).contains(entry("reporter", "destination"),
                entry("source_workload", "productpage-v1"),
                entry("source_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"),
                entry("source_cluster", "Kubernetes"),
                entry("destination_workload", "reviews-v2"),
                entry("destination_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"),
                entry("destination_service", REVIEWS), entry("destination_service_name", "reviews"),
                entry("destination_service_namespace", "default"), entry("destination_cluster", "Kubernetes"),
                entry("response_code", "200"), entry("response_flags", "-"));

        Exposition.Sample plain = only(e.select("istio_requests_total{connection_security_policy=\"none\"}"));
        assertThat(plain.labels()).contains(entry("reporter", "destination"),
                entry("source_workload", "unknown"), entry("source_workload_namespace", "unknown"),
                entry("source_principal", "unknown"), entry("source_canonical_service", "unknown"),
                entry("source_canonical_revision", "latest"), entry("source_cluster", "unknown"),
                entry("destination_principal", "unknown"), // no mTLS: no local certificate in use
                entry("response_code", "403"));
    }

    @Test
    void bucketBoundariesAreEnvoysDefaultsForAllThreeHistograms() {
        new IstioMetrics(registry, PRODUCTPAGE).recordClient(REVIEWS_V2, REVIEWS, 200, 0, false, 1, 1, 1);
        Exposition e = scrape();
        List<Double> istio = List.of(0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
                10000.0, 30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0, Double.POSITIVE_INFINITY);
        for (String h : List.of("istio_request_duration_milliseconds", "istio_request_bytes",
                "istio_response_bytes")) {
            assertThat(e.select(h + "_bucket").stream().map(s -> Double.parseDouble(
                    s.labels().get("le").replace("+Inf", "Infinity"))).collect(Collectors.toList()))
                    .as(h).isEqualTo(istio);
        }
    }

    @Test
    void responseFlagsAreEnvoysTextOrDash() {
        IstioMetrics m = new IstioMetrics(registry, PRODUCTPAGE);
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, true, 1, 0, 0);
        m.recordClient(PeerLabels.unknown(), REVIEWS, 503, ResponseFlag.UF.bit() | ResponseFlag.URX.bit(), false,
                1, 0, 0);
        m.recordClient(PeerLabels.unknown(), REVIEWS, 503, ResponseFlag.UF.bit() | ResponseFlag.URX.bit(), false,
                1, 0, 0);
        m.recordClient(PeerLabels.unknown(), REVIEWS, 0, ResponseFlag.UH.bit(), false, 1, 0, 0);
        Exposition e = scrape();
        assertThat(e.sumBy("istio_requests_total", "response_code", "response_flags")).containsOnly(
                entry(List.of("200", "-"), 1.0), entry(List.of("503", "UF,URX"), 2.0),
                entry(List.of("0", "UH"), 1.0));
        Exposition.Sample failed = only(e.select("istio_requests_total{response_flags=\"UF,URX\"}"));
        assertThat(failed.labels()).contains(entry("destination_workload", "unknown"),
                entry("destination_principal", "unknown"), entry("destination_cluster", "unknown"),
                entry("destination_canonical_revision", "latest"),
                entry("source_principal", "unknown"), // no mTLS on the try
                entry("destination_service_name", "reviews"), entry("destination_service_namespace", "default"));
    }

    @Test
    void serviceNameAndNamespaceComeFromAKubernetesHostElseTheHostAndTheWorkloadNamespace() {
        assertThat(IstioMetrics.serviceNameAndNamespace("reviews.bookinfo.svc.cluster.local", "x"))
                .containsExactly("reviews", "bookinfo");
        assertThat(IstioMetrics.serviceNameAndNamespace("reviews.bookinfo.svc", "x"))
                .containsExactly("reviews", "bookinfo");
        assertThat(IstioMetrics.serviceNameAndNamespace("api.example.com", "unknown"))
                .containsExactly("api.example.com", "unknown");
        assertThat(IstioMetrics.serviceNameAndNamespace("a.b.svcx.io", "ns")).containsExactly("a.b.svcx.io", "ns");
        assertThat(IstioMetrics.serviceNameAndNamespace("reviews", "default")).containsExactly("reviews", "default");
    }

    @Test
    void combinationsAreBoundedAndTheRestIsRecordedAsUnknown() {
        IstioMetrics m = new IstioMetrics(registry, PRODUCTPAGE, 3);
        for (int i = 0; i < 10; i++) {
            PeerLabels peer = new PeerLabels("w" + i, "default", "unknown", "a", "v", "a", "v");
            m.recordClient(peer, "svc" + i + ".default.svc.cluster.local", 200, 0, false, 1, 0, 0);
        }
        // equal labels in a new instance hit the cache
        m.recordClient(new PeerLabels("w0", "default", "unknown", "a", "v", "a", "v"),
                "svc0.default.svc.cluster.local", 200, 0, false, 1, 0, 0);
        assertThat(m.combinations()).isEqualTo(3);
        Exposition e = scrape();
        assertThat(e.select("istio_requests_total")).hasSize(4);
        assertThat(e.value("istio_requests_total{destination_workload=\"w0\"}")).isEqualTo(2.0);
        assertThat(e.value("istio_requests_total{destination_service=\"unknown\",destination_workload=\"unknown\"}"))
                .isEqualTo(7.0);
    }

    @Test
    void eachRequestCountsForItsOwnPeerAndServiceWhateverWasRecordedBefore() {
        // the last entry is reused by identity: alternating peers, services and equal copies must not mix series
        IstioMetrics m = new IstioMetrics(registry, PRODUCTPAGE, 3);
        String ratings = "ratings.default.svc.cluster.local";
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, false, 1, 0, 0);
        m.recordClient(REVIEWS_V2, ratings, 200, 0, false, 1, 0, 0);
        m.recordClient(PRODUCTPAGE, REVIEWS, 200, 0, false, 1, 0, 0);
        m.recordClient(new PeerLabels("reviews-v2", "default", REVIEWS_V2.principal(), "reviews", "v2", "reviews",
                "v2"), new String(REVIEWS), 200, 0, false, 1, 0, 0);
        m.recordClient(REVIEWS_V2, REVIEWS, 200, 0, false, 1, 0, 0);
        // beyond the bound: the overflow entry, then a known combination again
        m.recordClient(REVIEWS_V2, "details.default.svc.cluster.local", 200, 0, false, 1, 0, 0);
        m.recordClient(REVIEWS_V2, "details.default.svc.cluster.local", 200, 0, false, 1, 0, 0);
        m.recordClient(REVIEWS_V2, ratings, 200, 0, false, 1, 0, 0);
        Exposition e = scrape();
        assertThat(e.value("istio_requests_total{destination_workload=\"reviews-v2\",destination_service=\""
                + REVIEWS + "\"}")).isEqualTo(3.0);
        assertThat(e.value("istio_requests_total{destination_workload=\"reviews-v2\",destination_service=\""
                + ratings + "\"}")).isEqualTo(2.0);
        assertThat(e.value("istio_requests_total{destination_workload=\"productpage-v1\",destination_service=\""
                + REVIEWS + "\"}")).isEqualTo(1.0);
        assertThat(e.value("istio_requests_total{destination_service=\"unknown\",destination_workload=\"unknown\"}"))
                .isEqualTo(2.0);
    }

    @Test
    void serverWithoutAServiceFallsBackToTheCanonicalService() {
        new IstioMetrics(registry, REVIEWS_V2).recordServer(PRODUCTPAGE, null, 200, 0, false, 1, 0, 0);
        assertThat(only(scrape().select("istio_requests_total")).labels()).contains(
                entry("destination_service", "reviews"), entry("destination_service_name", "reviews"),
                entry("destination_service_namespace", "default"));
    }

    static Exposition.Sample only(List<Exposition.Sample> samples) {
        assertThat(samples).hasSize(1);
        return samples.get(0);
    }
}

package io.inmesh.telemetry.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.inmesh.traffic.ResponseFlag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The label selections of Istio's Grafana dashboards (mesh, service, workload) and Kiali's graph and metrics queries
 * pick InMesh's series unchanged. Two processes of a Bookinfo-like mesh record into one registry each; the queries run
 * on the scraped text of both, as Prometheus would see them.
 */
class DashboardQueriesTest {
    static final PeerLabels PRODUCTPAGE = IstioMetricsTest.PRODUCTPAGE;
    static final PeerLabels REVIEWS_V2 = IstioMetricsTest.REVIEWS_V2;
    static final String REVIEWS = IstioMetricsTest.REVIEWS;

    private Exposition e;

    @BeforeEach
    void twoProcessesServeTraffic() {
        PrometheusMeterRegistry productpage = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMeterRegistry reviews = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        IstioMetrics client = new IstioMetrics(productpage, PRODUCTPAGE);
        IstioMetrics server = new IstioMetrics(reviews, REVIEWS_V2);
        for (int i = 0; i < 9; i++) {
            long nanos = (i + 1) * 4_000_000L; // 4 .. 36 ms
            client.recordClient(REVIEWS_V2, REVIEWS, 200, 0, true, nanos + 1_000_000, 120, 900);
            server.recordServer(PRODUCTPAGE, REVIEWS, 200, 0, true, nanos, 120, 900);
        }
        client.recordClient(REVIEWS_V2, REVIEWS, 503, ResponseFlag.URX.bit(), true, 80_000_000, 120, 95);
        server.recordServer(PRODUCTPAGE, REVIEWS, 503, 0, true, 79_000_000, 120, 95);
        e = Exposition.parse(productpage.scrape() + "\n" + reviews.scrape());
    }

    @Test
    void istioMeshDashboard() {
        // "Global Request Volume", "Global Success Rate (non-5xx responses)", "4xxs", "5xxs"
        assertThat(sum("istio_requests_total{reporter=~\"source|waypoint\"}")).isEqualTo(10);
        assertThat(sum("istio_requests_total{reporter=~\"source|waypoint\",response_code!~\"5.*\"}")).isEqualTo(9);
        assertThat(sum("istio_requests_total{reporter=~\"source|waypoint\",response_code=~\"5.*\"}")).isEqualTo(1);
        // the HTTP/gRPC workloads table
        assertThat(e.sumBy("istio_requests_total{reporter=~\"source|waypoint\"}", "destination_workload",
                "destination_workload_namespace", "destination_service")).containsOnly(
                entry(List.of("reviews-v2", "default", REVIEWS), 10.0));
        assertThat(e.sumBy("istio_request_duration_milliseconds_bucket{reporter=~\"source|waypoint\"}", "le",
                "destination_workload", "destination_workload_namespace")).isNotEmpty();
    }

    @Test
    void istioServiceDashboard() {
        String svc = "destination_service=~\"" + REVIEWS.replace(".", "\\.") + "\"";
        assertThat(sum("istio_requests_total{reporter=~\"destination\"," + svc + "}")).isEqualTo(10);
        assertThat(sum("istio_requests_total{reporter=~\"destination\"," + svc + ",response_code!~\"5.*\"}"))
                .isEqualTo(9);
        // "Incoming Requests By Source And Response Code", mTLS and plaintext panels
        assertThat(e.sumBy("istio_requests_total{connection_security_policy=\"mutual_tls\"," + svc
                        + ",reporter=~\"destination\",source_workload=~\".*\",source_workload_namespace=~\".*\"}",
                "source_workload", "source_workload_namespace", "response_code")).containsOnly(
                entry(List.of("productpage-v1", "default", "200"), 9.0),
                entry(List.of("productpage-v1", "default", "503"), 1.0));
        assertThat(e.select("istio_requests_total{connection_security_policy!=\"mutual_tls\"," + svc
                + ",reporter=~\"destination\"}")).isEmpty();
        // "Client/Server Request Duration": histogram_quantile over sum by (le)
        Map<List<String>, Double> byLe = e.sumBy(
                "istio_request_duration_milliseconds_bucket{reporter=\"source\",destination_service=\"" + REVIEWS
                        + "\"}", "le");
        assertThat(byLe).hasSize(IstioMetrics.BUCKETS.length + 1);
        assertThat(quantile(0.5, byLe)).isBetween(10.0, 25.0);
        assertThat(quantile(0.99, byLe)).isBetween(50.0, 100.0);
        assertThat(e.sumBy("istio_request_bytes_bucket{reporter=~\"destination\"," + svc + "}", "le"))
                .containsEntry(List.of("250.0"), 10.0).containsEntry(List.of("100.0"), 0.0);
        assertThat(e.sumBy("istio_response_bytes_bucket{reporter=~\"destination\"," + svc + "}", "le"))
                .containsEntry(List.of("100.0"), 1.0).containsEntry(List.of("1000.0"), 10.0);
    }

    @Test
    void istioWorkloadDashboard() {
        String dst = "destination_workload_namespace=~\"default\",destination_workload=~\"reviews-v2\"";
        assertThat(sum("istio_requests_total{reporter=\"destination\"," + dst + "}")).isEqualTo(10);
        assertThat(sum("istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"default\","
                + "destination_workload=\"reviews-v2\"}")).isEqualTo(10);
        // "Outgoing Requests By Destination Service And Response Code" on productpage's page
        assertThat(e.sumBy("istio_requests_total{connection_security_policy!=\"mutual_tls\",reporter=~\"source\","
                        + "source_workload_namespace=~\"default\",source_workload=~\"productpage-v1\"}",
                "destination_service", "response_code")).containsOnly(
                entry(List.of(REVIEWS, "200"), 9.0), entry(List.of(REVIEWS, "503"), 1.0));
        assertThat(e.sumBy("istio_request_duration_milliseconds_bucket{reporter=~\"destination\"," + dst + "}",
                "le", "source_workload", "source_workload_namespace")).containsEntry(
                List.of("+Inf", "productpage-v1", "default"), 10.0);
    }

    @Test
    void kialiGraphAndMetricsQueries() {
        // Kiali's workload graph: requests by the full edge identity, both reporters
        String[] edge = {"source_cluster", "source_workload_namespace", "source_workload",
            "source_canonical_service", "source_canonical_revision", "destination_cluster",
            "destination_service_namespace", "destination_service", "destination_service_name",
            "destination_workload_namespace", "destination_workload", "destination_canonical_service",
            "destination_canonical_revision", "request_protocol", "response_code", "grpc_response_status",
            "response_flags"};
        Map<List<String>, Double> source = e.sumBy(
                "istio_requests_total{reporter=\"source\",source_workload_namespace=\"default\"}", edge);
        assertThat(source).containsEntry(List.of("Kubernetes", "default", "productpage-v1", "productpage", "v1",
                "Kubernetes", "default", REVIEWS, "reviews", "default", "reviews-v2", "reviews", "v2", "http",
                "200", "", "-"), 9.0);
        Map<List<String>, Double> destination = e.sumBy(
                "istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"default\"}", edge);
        assertThat(destination).containsEntry(List.of("Kubernetes", "default", "productpage-v1", "productpage",
                "v1", "Kubernetes", "default", REVIEWS, "reviews", "default", "reviews-v2", "reviews", "v2", "http",
                "503", "", "-"), 1.0);
        // the security appender: mTLS per edge from the destination's report
        assertThat(e.sumBy("istio_requests_total{reporter=\"destination\",destination_service_namespace="
                        + "\"default\"}", "source_workload", "destination_workload", "connection_security_policy"))
                .containsOnly(entry(List.of("productpage-v1", "reviews-v2", "mutual_tls"), 10.0));
        // the response-time appender
        assertThat(e.sumBy("istio_request_duration_milliseconds_bucket{reporter=\"destination\","
                        + "destination_workload_namespace=\"default\"}", "le", "source_workload",
                "destination_workload")).containsEntry(List.of("50.0", "productpage-v1", "reviews-v2"), 9.0);
        // the service metrics page: canonical service and principal filters
        assertThat(sum("istio_requests_total{reporter=\"source\",destination_canonical_service=\"reviews\","
                + "destination_principal=~\"spiffe://.*/ns/default/sa/bookinfo-reviews\"}")).isEqualTo(10);
    }

    private double sum(String selector) {
        return e.select(selector).stream().mapToDouble(Exposition.Sample::value).sum();
    }

    /** PromQL's histogram_quantile on cumulative buckets keyed by {@code le}. */
    static double quantile(double q, Map<List<String>, Double> byLe) {
        List<double[]> buckets = new ArrayList<>();
        byLe.forEach((k, v) -> buckets.add(new double[] {
            Double.parseDouble(k.get(0).replace("+Inf", "Infinity")), v}));
        buckets.sort(Comparator.comparingDouble(b -> b[0]));
        double total = buckets.get(buckets.size() - 1)[1];
        double rank = q * total;
        double prevLe = 0;
        double prevCount = 0;
        for (double[] b : buckets) {
            if (b[1] >= rank) {
                if (Double.isInfinite(b[0])) {
                    return prevLe;
                }
                return prevLe + (b[0] - prevLe) * (rank - prevCount) / (b[1] - prevCount);
            }
            prevLe = b[0];
            prevCount = b[1];
        }
        return Double.NaN;
    }
}

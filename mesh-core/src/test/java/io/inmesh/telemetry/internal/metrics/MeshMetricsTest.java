package io.inmesh.telemetry.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.traffic.ResponseFlag;
import io.inmesh.traffic.SimpleRequest;
import io.inmesh.traffic.internal.MeshCall;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InMesh's own metrics move on real events: config updates, outlier ejections, retries, pool overflows. */
class MeshMetricsTest {
    private static final String HOST = "reviews.default.svc.cluster.local";
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              resolution: STATIC
              ports: [{number: 9080, name: http}]
              endpoints:
              - {address: 10.0.0.1}
              - {address: 10.0.0.2}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: default}
            spec:
              host: reviews.default.svc.cluster.local
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: 1}
                  http: {http1MaxPendingRequests: 1}
                outlierDetection:
                  consecutive5xxErrors: 2
                  baseEjectionTime: 30s
                  maxEjectionPercent: 100
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              http:
              - route: [{destination: {host: reviews.default.svc.cluster.local}}]
                retries: {attempts: 3, retryOn: 5xx}
            """;
    private static final String BAD = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: broken, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              http:
              - route: [{destination: {host: reviews.default.svc.cluster.local}, weight: -5}]
            """;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong now = new AtomicLong();

    private static List<ConfigFile> files(String yaml) {
        return List.of(new ConfigFile("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8)));
    }

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }

    private Mesh mesh(ConfigHolder holder) throws Exception {
        return Mesh.builder().workload(Workload.of("default")).configHolder(holder)
                .telemetry(MeshTelemetry.builder().meterRegistry(registry).build())
                .nanoClock(now::get).random(new Random(7)).build();
    }

    @Test
    void configReloadsAreCountedByResultAndOnlyTheServingVersionIsShown() throws Exception {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        holder.update(files(CONFIG));
        String first = holder.current().version();
        try (Mesh mesh = mesh(holder)) {
            Exposition e = scrape();
            assertThat(e.value("inmesh_config_snapshot_info{version=\"" + first + "\"}")).isEqualTo(1.0);
            assertThat(e.value("inmesh_config_reloads_total{result=\"accepted\"}")).isZero();
            assertThat(e.value("inmesh_config_last_reload_success_timestamp_seconds"))
                    .isEqualTo(holder.current().createdAt().toEpochMilli() / 1000.0);

            ConfigUpdate rejected = holder.update(files(CONFIG + "---\n" + BAD));
            assertThat(rejected).isInstanceOf(ConfigUpdate.Rejected.class);
            e = scrape();
            assertThat(e.value("inmesh_config_reloads_total{result=\"rejected\"}")).isEqualTo(1.0);
            assertThat(e.value("inmesh_config_last_reload_successful")).isZero();
            assertThat(e.select("inmesh_config_snapshot_info")).hasSize(1);
            assertThat(e.value("inmesh_config_snapshot_info{version=\"" + first + "\"}")).isEqualTo(1.0);

            assertThat(holder.update(files(CONFIG.replace("attempts: 3", "attempts: 2"))))
                    .isInstanceOf(ConfigUpdate.Applied.class);
            String second = holder.current().version();
            e = scrape();
            assertThat(e.value("inmesh_config_reloads_total{result=\"accepted\"}")).isEqualTo(1.0);
            assertThat(e.value("inmesh_config_last_reload_successful")).isEqualTo(1.0);
            assertThat(e.select("inmesh_config_snapshot_info")).hasSize(1);
            assertThat(e.value("inmesh_config_snapshot_info{version=\"" + second + "\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void retriesEjectionsAndTheEjectedGaugeFollowOutlierDetection() throws Exception {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        holder.update(files(CONFIG));
        try (Mesh mesh = mesh(holder)) {
            String host = "{destination_service=\"" + HOST + "\"}";
            Exposition e = scrape();
            assertThat(e.select("inmesh_retries_total")).isEmpty(); // no cluster until a request binds one

            // one request: 503 twice from each endpoint (consecutive5xxErrors: 2) ejects both endpoints
            MeshCall call = mesh.traffic().start(SimpleRequest.of("GET", "http://" + HOST + ":9080/"));
            int retries = 0;
            for (int i = 0; i < 4; i++) {
                MeshCall.Try t = call.nextTry();
                assertThat(t).as("try %d", i + 1).isNotNull();
                MeshCall.Next next = call.onResponse(t, 503, -1, false, true);
                t.release();
                if (next == MeshCall.Next.RETRY) {
                    retries++;
                } else {
                    break;
                }
            }
            e = scrape();
            assertThat(e.value("inmesh_retries_total" + host)).isEqualTo(retries).isEqualTo(3.0);
            assertThat(e.value("inmesh_outlier_ejections_total" + host)).isEqualTo(2.0);
            assertThat(e.value("inmesh_outlier_ejected_endpoints" + host)).isEqualTo(2.0);

            // after the ejection time both return when next looked at
            now.addAndGet(31_000_000_000L);
            MeshCall later = mesh.traffic().start(SimpleRequest.of("GET", "http://" + HOST + ":9080/"));
            MeshCall.Try t = later.nextTry();
            assertThat(t).isNotNull();
            later.onResponse(t, 200, -1, false, true);
            t.release();
            assertThat(scrape().value("inmesh_outlier_ejected_endpoints" + host)).isZero();
        }
    }

    @Test
    void connectionPoolOverflowsAreCountedPerLimit() throws Exception {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        holder.update(files(CONFIG));
        try (Mesh mesh = mesh(holder)) {
            MeshCall a = mesh.traffic().start(SimpleRequest.of("GET", "http://" + HOST + ":9080/"));
            MeshCall b = mesh.traffic().start(SimpleRequest.of("GET", "http://" + HOST + ":9080/"));
            MeshCall c = mesh.traffic().start(SimpleRequest.of("GET", "http://" + HOST + ":9080/"));
            MeshCall.Try ta = a.nextTry();
            MeshCall.Try tb = b.nextTry();
            assertThat(c.nextTry()).isNull();
            assertThat(ResponseFlag.format(c.flags())).isEqualTo("UO");
            ta.release();
            tb.release();
            Exposition e = scrape();
            assertThat(e.value("inmesh_connection_pool_overflows_total{destination_service=\"" + HOST
                    + "\",limit=\"requests\"}")).isEqualTo(1.0);
            assertThat(e.value("inmesh_connection_pool_overflows_total{destination_service=\"" + HOST
                    + "\",limit=\"retries\"}")).isZero();
        }
    }

    @Test
    void certificateExpiryIsTheSecondsLeftOnTheWorkloadCertificate(@TempDir Path ca) throws Exception {
        Workload w = Workload.of("default");
        try (CertificateSource certs = CertificateSources.builtInCa(ca,
                SpiffeId.of(SpiffeId.DEFAULT_TRUST_DOMAIN, w));
             Mesh mesh = Mesh.builder().workload(w).configFiles(files(CONFIG)).certificates(certs)
                     .telemetry(MeshTelemetry.builder().meterRegistry(registry).build()).build()) {
            double left = scrape().value("inmesh_certificate_expiry_seconds");
            double expected = (certs.current().notAfter().toEpochMilli() - System.currentTimeMillis()) / 1000.0;
            assertThat(left).isBetween(expected - 60, expected + 1)
                    .isBetween(CertificateSources.DEFAULT_TTL.toSeconds() - 600.0,
                            (double) CertificateSources.DEFAULT_TTL.toSeconds());
        }
    }

    @Test
    void hostsBeyondTheLimitShareOneLabelValue() {
        MeshMetrics m = MeshMetrics.create(registry);
        for (int i = 0; i < MeshMetrics.MAX_HOSTS + 5; i++) {
            m.destination("h" + i + ".example.org").retry();
        }
        Exposition e = scrape();
        assertThat(e.select("inmesh_retries_total")).hasSize(MeshMetrics.MAX_HOSTS + 1);
        assertThat(e.value("inmesh_retries_total{destination_service=\"other\"}")).isEqualTo(5.0);
        assertThat(MeshMetrics.NOOP.destination("x")).isSameAs(DestinationMeters.NOOP);
    }
}

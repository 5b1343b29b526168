package io.inmesh.spring.mtls;

import static io.inmesh.spring.mtls.MeshTestFiles.EXCLUDE;
import static io.inmesh.spring.mtls.MeshTestFiles.curl;
import static io.inmesh.spring.mtls.MeshTestFiles.meshService;
import static io.inmesh.spring.mtls.MeshTestFiles.serverUriSan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import io.inmesh.spring.mtls.ratings.RatingsApplication;
import io.inmesh.spring.mtls.reviews.ReviewsApplication;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two Spring Boot applications on Tomcat, each in its own context on a real loopback port, calling each other over
 * mutual TLS with certificates from one built-in CA: reviews (the caller) and ratings (STRICT, an AuthorizationPolicy
 * that lets only reviews read ratings). Outside clients (curl, openssl) and a mesh client of a third identity check
 * what a workload without the right identity gets.
 */
class MutualTlsApplicationsTest {
    static Path dir;
    static Path caDir;
    static Path configDir;
    static ConfigurableApplicationContext ratings;
    static ConfigurableApplicationContext reviews;
    static int ratingsPort;
    static int reviewsPort;
    static final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("inmesh-mtls-apps");
        caDir = dir.resolve("ca");
        configDir = Files.createDirectories(dir.resolve("mesh"));
        write("peer-authentication.yaml", peerAuthentication("STRICT"));
        write("authorization.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ratings-viewer, namespace: default}
                spec:
                  selector: {matchLabels: {app: ratings}}
                  action: ALLOW
                  rules:
                  - from: [{source: {principals: ["cluster.local/ns/default/sa/reviews"]}}]
                    to: [{operation: {methods: [GET], paths: ["/ratings/*"]}}]
                  - to: [{operation: {paths: ["/health"]}}]
                """);
        ratings = app(RatingsApplication.class, "mesh.certificates.ttl=8s");
        ratingsPort = port(ratings);
        write("ratings.yaml", meshService("ratings", ratingsPort));
        reviews = app(ReviewsApplication.class, "reviews.version=v2");
        reviewsPort = port(reviews);
    }

    static ConfigurableApplicationContext app(Class<?> application, String... more) {
        List<String> properties = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
                "mesh.config.locations=" + configDir, "mesh.certificates.source=built-in-ca",
                "mesh.certificates.ca-directory=" + caDir, EXCLUDE, "management.otlp.metrics.export.enabled=false",
                "management.server.port=0", "management.server.address=127.0.0.1",
                "management.endpoints.web.exposure.include=health,mesh,prometheus",
                "management.endpoint.health.show-details=always"));
        properties.addAll(List.of(more));
        return new SpringApplicationBuilder(application).properties(properties.toArray(new String[0])).run();
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static String peerAuthentication(String mode) {
        return MeshTestFiles.peerAuthentication("ratings", "ratings", mode);
    }

    static void write(String name, String yaml) throws IOException {
        MeshTestFiles.write(configDir, name, yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        if (reviews != null) {
            reviews.close();
        }
        if (ratings != null) {
            ratings.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @Test
    void theAnnotationDeclaresEachWorkloadAndItsIdentity() {
        Mesh r = reviews.getBean(Mesh.class);
        assertThat(r.workload()).isEqualTo(new Workload("default", "reviews", Map.of("app", "reviews",
                "version", "v2")));
        assertThat(r.tls().identity().toString()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
        assertThat(ratings.getBean(Mesh.class).tls().identity().toString())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/ratings");
    }

    @Test
    void reviewsCallsRatingsOverMutualTlsAndRatingsSeesItsIdentity() throws Exception {
        assertThat(curl("-sk", "https://127.0.0.1:" + reviewsPort + "/reviews").out())
                .isEqualTo("reviews got 200: rating 7 for spiffe://cluster.local/ns/default/sa/reviews");
    }

    @Test
    void ratingsPresentsItsSpiffeIdToOpenssl() throws Exception {
        assertThat(serverUriSan(ratingsPort)).contains("URI:spiffe://cluster.local/ns/default/sa/ratings");
    }

    @Test
    void anotherIdentityIsRefusedByTheAuthorizationPolicy() throws Exception {
        CertificateSource certs = CertificateSources.builtInCa(caDir,
                SpiffeId.of("cluster.local", new Workload("default", "intruder", Map.of())));
        closeables.add(certs);
        Mesh intruder = Mesh.builder().workload(new Workload("default", "intruder", Map.of("app", "intruder")))
                .certificates(certs).config(ConfigSources.detect(configDir)).build();
        closeables.add(intruder);
        OkHttpClient client = MeshOkHttp.newClient(intruder);
        try (Response r = client.newCall(new Request.Builder().url("http://ratings:9080/ratings/7").build())
                .execute()) {
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.body().string()).isEqualTo("RBAC: access denied");
        }
        client.connectionPool().evictAll();
    }

    @Test
    void strictRefusesAClientWithoutCertificateAndPermissiveLetsItIn() throws Exception {
        try {
            assertThat(curl("-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:" + ratingsPort
                    + "/health").out()).isEqualTo("403");
            write("peer-authentication.yaml", peerAuthentication("PERMISSIVE"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(curl("-sk",
                    "https://127.0.0.1:" + ratingsPort + "/health").out()).isEqualTo("ok"));
            assertThat(curl("-sk", "https://127.0.0.1:" + ratingsPort + "/ratings/1").out())
                    .as("PERMISSIVE lets the request in, without an identity: authorization still refuses it")
                    .isEqualTo("RBAC: access denied");
        } finally {
            write("peer-authentication.yaml", peerAuthentication("STRICT"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(curl("-sk", "-o", "/dev/null",
                    "-w", "%{http_code}", "https://127.0.0.1:" + ratingsPort + "/health").out()).isEqualTo("403"));
        }
    }

    @Test
    void plaintextToTomcatsTlsPortGetsA400() throws Exception {
        assertThat(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + ratingsPort
                + "/health").out()).isEqualTo("400");
    }

    @Test
    void tomcatServesTheRotatedCertificateToNewConnectionsAndCallsKeepWorking() throws Exception {
        BigInteger first = serverSerial(ratingsPort);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> !serverSerial(ratingsPort).equals(first));
        assertThat(ratings.getBean(Mesh.class).tls().current().leaf().getSerialNumber())
                .isEqualTo(serverSerial(ratingsPort));
        assertThat(curl("-sk", "https://127.0.0.1:" + reviewsPort + "/reviews").out())
                .isEqualTo("reviews got 200: rating 7 for spiffe://cluster.local/ns/default/sa/reviews");
    }

    static int managementPort(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
    }

    @Test
    void theActuatorShowsIdentityConfigCertificatePoliciesAndDestinationsButNoSecrets() throws Exception {
        assertThat(curl("-sk", "https://127.0.0.1:" + reviewsPort + "/reviews").out()).startsWith("reviews got 200");
        String ratingsReport = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/mesh").out();
        Mesh mesh = ratings.getBean(Mesh.class);
        assertThat(ratingsReport)
                .contains("\"identity\":\"spiffe://cluster.local/ns/default/sa/ratings\"")
                .contains("\"version\":\"" + mesh.config().current().version() + "\"")
                .contains("\"spiffeId\":\"spiffe://cluster.local/ns/default/sa/ratings\"")
                .contains("\"mtlsMode\":\"STRICT\"")
                .contains("\"authorizationPolicies\":[\"default/ratings-viewer ALLOW\"]")
                .contains("\"peerAuthentications\":[\"default/ratings\"]")
                .doesNotContainIgnoringCase("PRIVATE KEY").doesNotContain("privateKey").doesNotContain("BEGIN");
        String reviewsReport = curl("-s", "http://127.0.0.1:" + managementPort(reviews) + "/actuator/mesh").out();
        assertThat(reviewsReport).contains("\"host\":\"ratings.default.svc.cluster.local\"")
                .contains("\"address\":\"127.0.0.1:" + ratingsPort + "\"").contains("\"ejected\":false");

        String health = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/health/mesh").out();
        assertThat(health).contains("\"status\":\"UP\"").contains("\"identity\":\"spiffe://cluster.local/ns/"
                + "default/sa/ratings\"");
        String overall = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/health").out();
        assertThat(overall).as("Spring Boot's ssl health check of the 'mesh' bundle (24 h certificates) is no alarm")
                .contains("\"ssl\":{").doesNotContain("OUT_OF_SERVICE").endsWith("\"status\":\"UP\"}");
        String metrics = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/prometheus").out();
        assertThat(metrics).contains("istio_requests_total{").contains("reporter=\"destination\"")
                .contains("source_principal=\"spiffe://cluster.local/ns/default/sa/reviews\"");
    }

    @Test
    void aRejectedChangeShowsInTheActuatorWithItsPlace() throws Exception {
        try {
            write("broken.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: broken, namespace: default}
                    spec:
                      hosts: [ratings]
                      http:
                      - route: [{destination: {host: ratings}}]
                        retries: {attempts: -3}
                    """);
            await().atMost(Duration.ofSeconds(10)).until(() -> ratings.getBean(Mesh.class).config().lastRejection()
                    .isPresent());
            String report = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/mesh").out();
            assertThat(report).contains("\"file\":\"" + configDir.resolve("broken.yaml"))
                    .contains("\"line\":8").contains("attempts");
            String health = curl("-s", "http://127.0.0.1:" + managementPort(ratings) + "/actuator/health/mesh")
                    .out();
            assertThat(health).as("a rejected change keeps the last good config: still UP")
                    .contains("\"status\":\"UP\"").contains("lastRejection");
        } finally {
            Files.deleteIfExists(configDir.resolve("broken.yaml"));
        }
    }

    /** The serial number of the certificate the server presents to a new connection (trusting anything). */
    static BigInteger serverSerial(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

}

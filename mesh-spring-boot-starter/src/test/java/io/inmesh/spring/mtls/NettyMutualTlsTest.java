package io.inmesh.spring.mtls;

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
import io.inmesh.spring.mtls.details.DetailsApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A WebFlux application on Reactor Netty with mesh certificates: one port takes mesh mTLS and plaintext (TLS detected
 * per connection), and PeerAuthentication decides per request, live.
 */
class NettyMutualTlsTest {
    static Path dir;
    static Path configDir;
    static ConfigurableApplicationContext details;
    static int port;
    static Mesh caller;
    static CertificateSource callerCertificates;
    static OkHttpClient meshClient;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("inmesh-netty-mtls");
        Path caDir = dir.resolve("ca");
        configDir = Files.createDirectories(dir.resolve("mesh"));
        write("peer-authentication.yaml", peerAuthentication("PERMISSIVE"));
        details = new SpringApplicationBuilder(DetailsApplication.class).web(WebApplicationType.REACTIVE)
                .properties("server.port=0", "server.address=127.0.0.1", "mesh.config.locations=" + configDir,
                        "mesh.certificates.source=built-in-ca", "mesh.certificates.ca-directory=" + caDir,
                        MeshTestFiles.EXCLUDE + ",org.springframework.boot.tomcat.autoconfigure.actuate.web"
                                + ".server.TomcatReactiveManagementContextAutoConfiguration",
                        "management.otlp.metrics.export.enabled=false",
                        "management.server.port=0", "management.server.address=127.0.0.1")
                .run();
        port = ((WebServerApplicationContext) details).getWebServer().getPort();
        write("details.yaml", meshService("details", port));
        Workload productpage = new Workload("default", "productpage", Map.of("app", "productpage"));
        callerCertificates = CertificateSources.builtInCa(caDir, SpiffeId.of("cluster.local", productpage));
        caller = Mesh.builder().workload(productpage).certificates(callerCertificates)
                .config(ConfigSources.detect(configDir)).build();
        // a connection per call: Reactor Netty sometimes leaves a kept-alive connection unanswered (see
        // MeshWebFilterTest), which is not what this test is about
        meshClient = MeshOkHttp.newClient(caller).newBuilder()
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
    }

    static String peerAuthentication(String mode) {
        return MeshTestFiles.peerAuthentication("default", null, mode);
    }

    static void write(String name, String yaml) throws IOException {
        MeshTestFiles.write(configDir, name, yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        if (details != null) {
            details.close();
        }
        if (caller != null) {
            caller.close();
        }
        if (callerCertificates != null) {
            callerCertificates.close();
        }
    }

    String viaMesh() throws IOException {
        try (Response r = meshClient.newCall(new Request.Builder().url("http://details:9080/details").build())
                .execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    @Test
    void onePortTakesMeshTlsAndPlaintextAndStrictRefusesPlaintextLive() throws Exception {
        try {
            assertThat(curl("-s", "http://127.0.0.1:" + port + "/details").out()).isEqualTo("http -");
            assertThat(curl("-sk", "https://127.0.0.1:" + port + "/details").out())
                    .as("TLS without a client certificate").isEqualTo("https -");
            assertThat(viaMesh()).isEqualTo("200 https spiffe://cluster.local/ns/default/sa/productpage");

            write("peer-authentication.yaml", peerAuthentication("STRICT"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(curl("-s", "-o", "/dev/null",
                    "-w", "%{http_code}", "http://127.0.0.1:" + port + "/details").out()).isEqualTo("403"));
            assertThat(curl("-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:" + port
                    + "/details").out()).as("TLS without a client certificate on STRICT").isEqualTo("403");
            assertThat(viaMesh()).isEqualTo("200 https spiffe://cluster.local/ns/default/sa/productpage");
            int management = Integer.parseInt(details.getEnvironment().getProperty("local.management.port"));
            assertThat(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + management
                    + "/actuator/health").out()).as("the actuator is not mesh traffic").isEqualTo("200");
            assertThat(curl("-s", "http://127.0.0.1:" + management + "/secret").out())
                    .as("the application's routes that the management server also serves are checked")
                    .startsWith("mTLS required");
            assertThat(curl("-s", "http://127.0.0.1:" + port + "/secret").out()).startsWith("mTLS required");
        } finally {
            write("peer-authentication.yaml", peerAuthentication("PERMISSIVE"));
        }
    }

    @Test
    void theServerPresentsItsSpiffeId() throws Exception {
        assertThat(serverUriSan(port)).contains("URI:spiffe://cluster.local/ns/default/sa/details");
    }
}

package io.inmesh.spring.bypass;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.inmesh.spring.web.WebTestApplication;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Nothing secret leaks: requests with a valid JWT, an expired one, one with a forged signature and a malformed one,
 * through an application with the built-in CA's certificates, RequestAuthentication, an AuthorizationPolicy, the
 * access log, spans at 100 % and debug logging of the mesh. Neither any token nor its signature, nor the CA's or the
 * workload's private key, appears in any log line (with stack traces), span attribute, metric, actuator answer, or
 * response the mesh wrote.
 */
class NoSecretLeakTest {
    static final String ISSUER = "https://issuer.test";
    static Path dir;
    static ConfigurableApplicationContext app;
    static int port;
    static RSAKey signing;
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    static final OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        signing = new RSAKeyGenerator(2048).keyID("k1").generate();
        dir = Files.createTempDirectory("inmesh-secrets");
        Path config = Files.createDirectories(dir.resolve("mesh"));
        Files.writeString(config.resolve("jwt.yaml"), """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt, namespace: default}
                spec:
                  jwtRules:
                  - issuer: %s
                    jwks: '%s'
                    forwardOriginalToken: false
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: need-jwt, namespace: default}
                spec:
                  action: ALLOW
                  rules:
                  - from:
                    - source: {requestPrincipals: ["*"]}
                    to:
                    - operation: {paths: ["/hello"]}
                  - to:
                    - operation: {paths: ["/actuator/*"]}
                """.formatted(ISSUER, "{\"keys\":[" + signing.toPublicJWK().toJSONString() + "]}"));
        app = new SpringApplicationBuilder(WebTestApplication.class).web(WebApplicationType.SERVLET)
                .properties("server.port=0", "server.address=127.0.0.1", "mesh.config.locations=" + config,
                        "mesh.certificates.source=built-in-ca", "mesh.certificates.ca-directory=" + dir.resolve("ca"),
                        "mesh.server.tls=false", "mesh.tracing.sampling-percent=100",
                        "mesh.access-log.format=json", "logging.level.io.inmesh=DEBUG",
                        "management.endpoints.web.exposure.include=health,mesh",
                        "management.endpoint.health.show-details=always",
                        io.inmesh.spring.WithoutSpringTracing.EXCLUDE,
                        "management.otlp.metrics.export.enabled=false")
                .run();
        port = ((WebServerApplicationContext) app).getWebServer().getPort();
        // after the start: Spring Boot's logging system resets the logger context while it starts
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }

    static String token(Instant expiry, RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").expirationTime(Date.from(expiry))
                        .claim("secret-claim", "s3cr3t-claim-value").build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    record Answer(int status, String text) {
    }

    static Answer get(String path, String bearer) throws Exception {
        Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + path);
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try (Response r = client.newCall(b.build()).execute()) {
            return new Answer(r.code(), r.headers() + "\n" + r.body().string());
        }
    }

    @Test
    void noTokenNorKeyAppearsAnywhere() throws Exception {
        String valid = token(Instant.now().plusSeconds(600), signing);
        String expired = token(Instant.now().minusSeconds(600), signing);
        String forged = token(Instant.now().plusSeconds(600), new RSAKeyGenerator(2048).keyID("k1").generate());
        String malformed = valid.substring(0, valid.lastIndexOf('.')) + ".not-base64!" + valid.substring(0, 12);
        List<String> answers = new ArrayList<>();
        Answer ok = get("/hello", valid);
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        for (String bad : List.of(expired, forged, malformed)) {
            Answer refused = get("/hello", bad);
            assertThat(refused.status()).as("refused: %s", refused.text()).isEqualTo(401);
            answers.add(refused.text());
        }
        Answer none = get("/hello", null);
        assertThat(none.status()).isEqualTo(403);
        answers.add(get("/actuator/mesh", null).text());
        answers.add(get("/actuator/health", null).text());
        answers.add(app.getBean(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class).scrape());
        app.getBean(io.opentelemetry.sdk.OpenTelemetrySdk.class).getSdkTracerProvider().forceFlush()
                .join(5, java.util.concurrent.TimeUnit.SECONDS);
        app.getBean(InMemorySpanExporter.class).getFinishedSpanItems()
                .forEach(s -> answers.add(s.getName() + " " + s.getAttributes() + " " + s.getStatus()
                        + " " + s.getEvents()));
        assertThat(app.getBean(InMemorySpanExporter.class).getFinishedSpanItems()).as("spans were recorded")
                .isNotEmpty();
        List<ILoggingEvent> logged;
        synchronized (logs) { // the appender appends under its own lock
            logged = new ArrayList<>(logs.list);
        }
        for (ILoggingEvent e : logged) {
            answers.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
        assertThat(logged).as("the access log wrote the refusals")
                .anyMatch(e -> e.getFormattedMessage().contains("\"response_code\":401"));

        List<String> secrets = new ArrayList<>();
        for (String t : List.of(valid, expired, forged, malformed)) {
            secrets.add(t);
            String signature = t.substring(t.lastIndexOf('.') + 1);
            secrets.add(signature);
            if (signature.length() >= 48) { // a slice out of the middle
                secrets.add(signature.substring(signature.length() / 2 - 12, signature.length() / 2 + 12));
            }
            secrets.add(t.substring(t.indexOf('.') + 1, t.lastIndexOf('.'))); // the payload
        }
        secrets.add("s3cr3t-claim-value");
        for (String pem : List.of(Files.readString(dir.resolve("ca").resolve("root-key.pem")))) {
            pem.lines().filter(l -> !l.startsWith("-----") && l.length() > 20).forEach(secrets::add);
        }
        var workloadKey = app.getBean(io.inmesh.Mesh.class).tls().current().privateKey();
        secrets.add(java.util.Base64.getEncoder().encodeToString(workloadKey.getEncoded()).substring(0, 40));
        String everything = String.join("\n", answers);
        assertThat(everything).as("what is searched holds the requests' traces: access log, spans, metrics, actuator")
                .contains("\"path\":\"/hello\"").contains("istio_requests_total").contains("spiffe://");
        for (String secret : secrets) {
            assertThat(everything).as("a secret of %d chars appears in logs/answers/metrics/spans", secret.length())
                    .doesNotContain(secret);
        }
    }
}

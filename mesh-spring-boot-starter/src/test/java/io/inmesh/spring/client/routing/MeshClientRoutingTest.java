package io.inmesh.spring.client.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.spring.client.RatingsBackends;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@code @MeshClient} RestClient and WebClient in a real application, through the mesh to two loopback servers
 * standing for the endpoints of {@code ratings}: routing (default route and a header match), a retry the
 * application never sees, an abort answered locally, the injection forms, placeholders, instance sharing, and
 * Spring Boot's builder customizers kept.
 */
@SpringBootTest(classes = ClientTestApplication.class, properties = {
        "spring.main.web-application-type=none",
        "ratings.service=ratings:9080",
        "ratings.host=ratings",
        "spring.autoconfigure.exclude="
                + "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration,"
                + "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure"
                + ".OpenTelemetryTracingAutoConfiguration,"
                + "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
        "management.otlp.metrics.export.enabled=false",
})
class MeshClientRoutingTest {
    static final RatingsBackends RATINGS = new RatingsBackends();
    @DynamicPropertySource
    static void meshConfig(DynamicPropertyRegistry registry) {
        Path config = RATINGS.writeConfig("meshclient-routing");
        registry.add("mesh.config.locations", config::toString);
    }

    @AfterAll
    static void stopServers() throws Exception {
        RATINGS.close();
    }

    @Autowired
    ClientTestApplication.FieldInjected fields;
    @Autowired
    ClientTestApplication.ConstructorInjected constructor;
    @Autowired
    ClientTestApplication.RatingsApi beanParameter;
    @Autowired
    ClientTestApplication.ReactiveRatingsApi reactiveBeanParameter;
    @Autowired
    ApplicationContext context;

    /** What the application got: status, the mesh's response flags, body. */
    record Answer(int status, String flags, String body) {
    }

    static Answer call(RestClient client, String method, String path, String body, String... headers) {
        RestClient.RequestBodySpec spec = client.method(org.springframework.http.HttpMethod.valueOf(method)).uri(path);
        for (int i = 0; i < headers.length; i += 2) {
            spec.header(headers[i], headers[i + 1]);
        }
        if (body != null) {
            spec.body(body);
        }
        return spec.exchange((request, response) -> new Answer(response.getStatusCode().value(),
                response.getHeaders().getFirst(MeshOkHttp.RESPONSE_FLAGS_HEADER),
                new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    }

    static Answer call(WebClient client, String method, String path, String body, String... headers) {
        WebClient.RequestBodySpec spec = client.method(org.springframework.http.HttpMethod.valueOf(method)).uri(path);
        for (int i = 0; i < headers.length; i += 2) {
            spec.header(headers[i], headers[i + 1]);
        }
        if (body != null) {
            spec.bodyValue(body);
        }
        return spec.exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("")
                        .map(b -> new Answer(r.statusCode().value(),
                                r.headers().asHttpHeaders().getFirst(MeshOkHttp.RESPONSE_FLAGS_HEADER), b)))
                .block(Duration.ofSeconds(10));
    }

    static RecordedRequest last(RatingsBackends.Backend backend, String path) {
        for (int i = backend.requests.size() - 1; i >= 0; i--) {
            if (backend.requests.get(i).getUrl().encodedPath().equals(path)) {
                return backend.requests.get(i);
            }
        }
        throw new AssertionError("no request for " + path + " at " + backend.version);
    }

    // RestClient

    @Test
    void restClientIsRoutedByTheDefaultRouteAndAHeaderMatch() {
        assertThat(call(fields.rest, "GET", "/r/rest-default", null)).isEqualTo(
                new Answer(200, null, "v1 GET /r/rest-default "));
        assertThat(call(fields.rest, "GET", "/r/rest-jason", null, "end-user", "jason")).isEqualTo(
                new Answer(200, null, "v2 GET /r/rest-jason "));
        assertThat(RATINGS.v1.count("/r/rest-jason")).isZero();
        RecordedRequest seen = last(RATINGS.v1, "/r/rest-default");
        assertThat(seen.getHeaders().get("Host")).as("the authority the application called").isEqualTo("ratings:9080");
        assertThat(seen.getHeaders().get("x-customized")).as("Spring Boot's builder customizer").isEqualTo("rest");
    }

    @Test
    void restClientsFirst503IsRetriedAndTheApplicationSees200() {
        assertThat(call(fields.rest, "GET", "/flaky/rest", null)).isEqualTo(
                new Answer(200, null, "v1 GET /flaky/rest "));
        assertThat(RATINGS.v1.count("/flaky/rest")).as("two requests reached the server").isEqualTo(2);
    }

    @Test
    void restClientsRequestBodyIsSentAgainOnTheRetry() {
        assertThat(call(fields.rest, "POST", "/flaky/rest-post", "five stars")).isEqualTo(
                new Answer(200, null, "v1 POST /flaky/rest-post five stars"));
        assertThat(RATINGS.v1.requests.stream().filter(r -> r.getUrl().encodedPath().equals("/flaky/rest-post"))
                .map(r -> r.getBody().string(StandardCharsets.UTF_8)))
                .containsExactly("five stars", "five stars");
    }

    @Test
    void restClientGetsTheInjectedAbortWithoutReachingTheServer() {
        assertThat(call(fields.rest, "GET", "/abort/rest", null)).isEqualTo(
                new Answer(418, "FI", "fault filter abort"));
        assertThat(RATINGS.count("/abort/rest")).isZero();
    }

    // WebClient

    @Test
    void webClientIsRoutedByTheDefaultRouteAndAHeaderMatch() {
        assertThat(call(fields.web, "GET", "/r/web-default", null)).isEqualTo(
                new Answer(200, null, "v1 GET /r/web-default "));
        assertThat(call(fields.web, "GET", "/r/web-jason", null, "end-user", "jason")).isEqualTo(
                new Answer(200, null, "v2 GET /r/web-jason "));
        assertThat(RATINGS.v1.count("/r/web-jason")).isZero();
        RecordedRequest seen = last(RATINGS.v1, "/r/web-default");
        assertThat(seen.getHeaders().get("Host")).isEqualTo("ratings:9080");
        assertThat(seen.getHeaders().get("x-customized")).as("Spring Boot's builder customizer").isEqualTo("web");
    }

    @Test
    void webClientsFirst503IsRetriedAndTheApplicationSees200() {
        assertThat(call(fields.web, "GET", "/flaky/web", null)).isEqualTo(
                new Answer(200, null, "v1 GET /flaky/web "));
        assertThat(RATINGS.v1.count("/flaky/web")).as("two requests reached the server").isEqualTo(2);
        assertThat(call(fields.web, "PUT", "/flaky/web-put", "four stars")).isEqualTo(
                new Answer(200, null, "v1 PUT /flaky/web-put four stars"));
        assertThat(RATINGS.v1.count("/flaky/web-put")).isEqualTo(2);
    }

    @Test
    void webClientGetsTheInjectedAbortWithoutReachingTheServer() {
        assertThat(call(fields.web, "GET", "/abort/web", null)).isEqualTo(
                new Answer(418, "FI", "fault filter abort"));
        assertThat(RATINGS.count("/abort/web")).isZero();
    }

    // injection points

    @Test
    void constructorParametersGetClientsThroughTheMesh() {
        assertThat(call(constructor.rest, "GET", "/r/ctor-rest", null, "end-user", "jason").body())
                .isEqualTo("v2 GET /r/ctor-rest ");
        assertThat(call(constructor.web, "GET", "/abort/ctor-web", null).status())
                .as("ratings.default is the same service").isEqualTo(418);
        assertThat(call(constructor.web, "GET", "/r/ctor-web", null).body()).isEqualTo("v1 GET /r/ctor-web ");
        assertThat(last(RATINGS.v1, "/r/ctor-web").getHeaders().get("Host")).isEqualTo("ratings.default:9080");
    }

    @Test
    void beanMethodParametersGetClientsWithTheirPlaceholdersResolved() {
        assertThat(call(beanParameter.client(), "GET", "/flaky/bean-rest", null).body())
                .isEqualTo("v1 GET /flaky/bean-rest ");
        assertThat(RATINGS.v1.count("/flaky/bean-rest")).isEqualTo(2);
        assertThat(call(reactiveBeanParameter.client(), "GET", "/r/bean-web", null, "end-user", "jason").body())
                .isEqualTo("v2 GET /r/bean-web ");
        assertThat(last(RATINGS.v2, "/r/bean-web").getHeaders().get("Host")).isEqualTo("ratings:9080");
    }

    @Test
    void aServiceWithoutPortIsCalledOnPort80() {
        assertThat(call(fields.port80, "GET", "/r/port80", null).body()).isEqualTo("v1 GET /r/port80 ");
        assertThat(last(RATINGS.v1, "/r/port80").getHeaders().get("Host")).isEqualTo("ratings");
    }

    @Test
    void theOkHttpClientIsTheMeshsBeanForEveryValue() throws Exception {
        assertThat(fields.okHttp).isSameAs(context.getBean(OkHttpClient.class)).isSameAs(fields.otherOkHttp);
        assertThat(MeshOkHttp.routesThroughMesh(fields.okHttp)).isTrue();
        try (Response r = fields.okHttp.newCall(new Request.Builder().url("http://ratings:9080/abort/okhttp").build())
                .execute()) {
            assertThat(r.code()).isEqualTo(418);
        }
    }

    @Test
    void clientsAreSharedPerTypeAndValueAndBuildersAreEachInjectionsOwn() {
        assertThat(fields.sameRest).isSameAs(fields.rest);
        assertThat(fields.sameWeb).isSameAs(fields.web);
        assertThat(fields.otherPort).isNotSameAs(fields.rest);
        assertThat(fields.restBuilder).isNotSameAs(fields.otherRestBuilder);
        // a builder is the application's to change: what one injection point does stays there
        fields.restBuilder.defaultHeader("end-user", "jason");
        assertThat(call(fields.restBuilder.build(), "GET", "/r/builder-jason", null).body())
                .isEqualTo("v2 GET /r/builder-jason ");
        assertThat(call(fields.otherRestBuilder.build(), "GET", "/r/builder-other", null).body())
                .isEqualTo("v1 GET /r/builder-other ");
        assertThat(call(fields.webBuilder.build(), "GET", "/abort/web-builder", null).status()).isEqualTo(418);
        assertThat(last(RATINGS.v1, "/r/builder-other").getHeaders().get("x-customized")).isEqualTo("rest");
    }
}

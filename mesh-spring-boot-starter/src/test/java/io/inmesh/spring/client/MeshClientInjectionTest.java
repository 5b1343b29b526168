package io.inmesh.spring.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.spring.MeshAutoConfiguration;
import io.inmesh.spring.MeshClient;
import io.inmesh.spring.MeshClientAutoConfiguration;
import io.inmesh.spring.internal.client.MeshClientException;
import io.inmesh.spring.internal.client.MeshClientFailureAnalyzer;
import io.inmesh.spring.internal.client.MeshClientResolver;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@code @MeshClient} injection with Spring's {@code ApplicationContextRunner}: the mistakes it reports and how,
 * the conditions (no spring-web, no mesh-okhttp, {@code mesh.enabled=false}), the application's own OkHttpClient
 * beans, and the resolver leaving {@code @Value} and {@code @Qualifier} as they were.
 */
class MeshClientInjectionTest {
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PropertyPlaceholderAutoConfiguration.class,
                    MeshAutoConfiguration.class, MeshClientAutoConfiguration.class));
    final MockWebServer server = new MockWebServer();

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    /** The runner with a mesh that aborts every call to {@code localhost} with 418, and {@code backend} set. */
    ApplicationContextRunner aborting() throws Exception {
        Files.writeString(tmp.resolve("abort.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: local, namespace: default}
                spec:
                  hosts: [localhost]
                  http:
                  - fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: localhost}}]
                """);
        return runner.withPropertyValues("mesh.config.locations=" + tmp,
                "backend=http://localhost:" + server.getPort());
    }

    static MeshClientException failure(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable t = context.getStartupFailure();
        while (t != null && !(t instanceof MeshClientException)) {
            t = t.getCause();
        }
        assertThat(t).as("a MeshClientException in %s", context.getStartupFailure()).isNotNull();
        return (MeshClientException) t;
    }

    static int status(RestClient client) {
        return client.get().uri("/x").exchange((request, response) -> response.getStatusCode().value());
    }

    // mistakes

    @Test
    void aWrongTypeFailsStartUpNamingTheInjectionPointAndTheSupportedTypes() {
        runner.withBean(WrongType.class).run(context -> {
            MeshClientException e = failure(context);
            assertThat(e.description()).isEqualTo("@MeshClient(\"ratings\") on field 'name' of "
                    + WrongType.class.getName() + ": java.lang.String is not a client @MeshClient can inject"
                    + " (supported: okhttp3.OkHttpClient, org.springframework.web.client.RestClient,"
                    + " org.springframework.web.client.RestClient.Builder,"
                    + " org.springframework.web.reactive.function.client.WebClient,"
                    + " org.springframework.web.reactive.function.client.WebClient.Builder)");
            assertThat(e.action()).startsWith("Declare the injection point as one of okhttp3.OkHttpClient, ");
            FailureAnalysis analysis = new MeshClientFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).isEqualTo(e.description());
            assertThat(analysis.getAction()).isEqualTo(e.action());
        });
    }

    /** A real start-up reports the mistake as Spring Boot's failure analysis: description and action. */
    @Test
    @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
    void springBootReportsItAsAFailureAnalysis(org.springframework.boot.test.system.CapturedOutput output) {
        org.springframework.boot.SpringApplication app =
                new org.springframework.boot.SpringApplication(WrongTypeApplication.class);
        app.setWebApplicationType(org.springframework.boot.WebApplicationType.NONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> app.run("--spring.main.banner-mode=off"))
                .hasStackTraceContaining("is not a client @MeshClient can inject");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Description:" + System.lineSeparator() + System.lineSeparator()
                        + "@MeshClient(\"ratings\") on field 'name' of " + WrongType.class.getName())
                .contains("Action:" + System.lineSeparator() + System.lineSeparator()
                        + "Declare the injection point as one of okhttp3.OkHttpClient");
    }

    @Test
    void aWrongConstructorParameterIsNamedByPositionAndName() {
        runner.withBean(WrongParameter.class).run(context ->
                assertThat(failure(context).description()).startsWith("@MeshClient(\"ratings:9080\") on parameter 1"
                        + " 'count' of the constructor of " + WrongParameter.class.getName()
                        + ": java.lang.Integer is not a client"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                        | the value is empty",
            "ftp://ratings             | scheme \"ftp\" is not http or https",
            "ratings/api               | a service name has no path, query or user",
            "ratings:http              | not a host name with an optional port",
            "ratings:99999             | not a host name with an optional port",
            "http://user:pw@ratings    | a base URL carries no user information",
            "http://ratings:9080/?a=1  | a base URL has no query or fragment",
            "http://                   | not a valid URL",
    })
    void aValueThatNamesNoServiceFailsStartUpSayingWhy(String value, String reason) {
        runner.withPropertyValues("target=" + value).withUserConfiguration(BeanParameter.class).run(context -> {
            MeshClientException e = failure(context);
            assertThat(e.description()).startsWith("@MeshClient(\"${target}\") on parameter 0 'client' of method"
                    + " ratingsApi of " + BeanParameter.class.getName() + " (resolved to \"" + value + "\"): " + reason);
            assertThat(e.action()).contains("ratings:9080").contains("http://ratings:9080");
        });
    }

    @Test
    void anUnresolvablePlaceholderFailsStartUpNamingIt() {
        runner.withUserConfiguration(BeanParameter.class).run(context -> {
            MeshClientException e = failure(context);
            assertThat(e.description()).startsWith("@MeshClient(\"${target}\") on parameter 0 'client' of method"
                    + " ratingsApi of " + BeanParameter.class.getName() + ": ").contains("'target'");
            assertThat(e.action()).contains("${name:ratings:9080}");
        });
    }

    @Test
    void aPlaceholderWithADefaultIsResolved() {
        runner.withBean(DefaultedPlaceholder.class).run(context -> {
            assertThat(context).hasNotFailed();
            DefaultedPlaceholder bean = context.getBean(DefaultedPlaceholder.class);
            assertThat(bean.client).isSameAs(bean.same);
        });
    }

    // through the mesh, or not

    @Test
    void theClientsGoThroughTheMesh() throws Exception {
        aborting().withBean(Clients.class).run(context -> {
            Clients clients = context.getBean(Clients.class);
            assertThat(status(clients.rest)).isEqualTo(418);
            assertThat(clients.web.get().uri("/y").exchangeToMono(r -> r.releaseBody()
                    .thenReturn(r.statusCode().value())).block(Duration.ofSeconds(10))).isEqualTo(418);
            assertThat(MeshOkHttp.routesThroughMesh(clients.okHttp)).isTrue();
            assertThat(server.getRequestCount()).as("aborted by the mesh").isZero();
        });
    }

    /** The kill switch takes the mesh out of the calls and leaves the application's clients working. */
    @Test
    void withTheMeshOffTheClientsCallTheServiceDirectly() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("direct").build());
        server.enqueue(new MockResponse.Builder().code(200).body("direct").build());
        aborting().withPropertyValues("mesh.enabled=false").withBean(Clients.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(Mesh.class);
            Clients clients = context.getBean(Clients.class);
            assertThat(status(clients.rest)).isEqualTo(200);
            assertThat(clients.web.get().uri("/y").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
                    .isEqualTo("direct");
            assertThat(MeshOkHttp.routesThroughMesh(clients.okHttp)).isFalse();
            assertThat(server.getRequestCount()).isEqualTo(2);
        });
    }

    @Test
    void theApplicationsOwnPlainOkHttpClientIsLeftAloneAndTheClientsGetAMeshOne() throws Exception {
        OkHttpClient plain = new OkHttpClient();
        aborting().withBean("plain", OkHttpClient.class, () -> plain).withBean(Clients.class).run(context -> {
            Clients clients = context.getBean(Clients.class);
            assertThat(context.getBean(OkHttpClient.class)).isSameAs(plain);
            assertThat(clients.okHttp).isNotSameAs(plain);
            assertThat(MeshOkHttp.routesThroughMesh(clients.okHttp)).isTrue();
            assertThat(status(clients.rest)).isEqualTo(418);
            assertThat(server.getRequestCount()).isZero();
        });
    }

    @Test
    void theApplicationsOwnMeshOkHttpClientIsTheOneUsed() throws Exception {
        aborting().withUserConfiguration(OwnMeshClient.class).withBean(Clients.class).run(context -> {
            Clients clients = context.getBean(Clients.class);
            assertThat(clients.okHttp).isSameAs(context.getBean("ownMeshClient"));
            assertThat(clients.okHttp.readTimeoutMillis()).isEqualTo(1234);
            assertThat(status(clients.rest)).isEqualTo(418);
        });
    }

    // conditions

    @Test
    void withoutSpringWebOnlyOkHttpClientIsSupported() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.web"))
                .withBean(OnlyOkHttp.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(MeshOkHttp.routesThroughMesh(context.getBean(OnlyOkHttp.class).client)).isTrue();
                });
        runner.withClassLoader(new FilteredClassLoader("org.springframework.web"))
                .withBean(WrongType.class).run(context ->
                        assertThat(failure(context).description()).endsWith("(supported: okhttp3.OkHttpClient)"));
    }

    @Test
    void withoutMeshOkHttpAnInjectionPointFailsSayingWhatIsMissing() {
        runner.withClassLoader(new FilteredClassLoader(MeshOkHttp.class)).withBean(OnlyOkHttp.class).run(context -> {
            MeshClientException e = failure(context);
            assertThat(e.description()).startsWith("@MeshClient(\"ratings\") on field 'client' of "
                    + OnlyOkHttp.class.getName() + ": ").contains("io.inmesh:mesh-okhttp");
            assertThat(e.action()).contains("io.inmesh:mesh-okhttp");
        });
    }

    @Test
    void valueQualifierAndOrdinaryInjectionWorkAsBefore() {
        runner.withUserConfiguration(Others.class).run(context -> {
            assertThat(((DefaultListableBeanFactory) context.getBeanFactory()).getAutowireCandidateResolver())
                    .isInstanceOf(MeshClientResolver.class);
            Others.Consumer consumer = context.getBean(Others.Consumer.class);
            assertThat(consumer.answer).isEqualTo(42);
            assertThat(consumer.b).isEqualTo("B");
            assertThat(consumer.mesh).isSameAs(context.getBean(Mesh.class));
        });
    }

    @Test
    void theResolverIsInstalledOnce() {
        runner.withUserConfiguration(Others.class).run(context -> {
            MeshClientResolver resolver = (MeshClientResolver) ((DefaultListableBeanFactory) context.getBeanFactory())
                    .getAutowireCandidateResolver();
            context.getBean(io.inmesh.spring.internal.client.MeshClientInjection.class)
                    .postProcessBeanFactory(context.getBeanFactory());
            assertThat(((DefaultListableBeanFactory) context.getBeanFactory()).getAutowireCandidateResolver())
                    .isSameAs(resolver);
        });
    }

    // the injection points

    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.ImportAutoConfiguration({MeshAutoConfiguration.class,
            MeshClientAutoConfiguration.class})
    @org.springframework.context.annotation.Import(WrongType.class)
    static class WrongTypeApplication {
    }

    static class WrongType {
        @MeshClient("ratings")
        String name;
    }

    static class WrongParameter {
        WrongParameter(@MeshClient("ratings:9080") RestClient client, @MeshClient("ratings:9080") Integer count) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BeanParameter {
        @Bean
        String ratingsApi(@MeshClient("${target}") RestClient client) {
            return "api";
        }
    }

    static class DefaultedPlaceholder {
        @MeshClient("${ratings.url:ratings:9080}")
        RestClient client;
        @MeshClient("ratings:9080")
        RestClient same;
    }

    static class Clients {
        @MeshClient("${backend}")
        RestClient rest;
        @MeshClient("${backend}")
        WebClient web;
        @MeshClient("${backend}")
        OkHttpClient okHttp;
    }

    static class OnlyOkHttp {
        @MeshClient("ratings")
        OkHttpClient client;
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMeshClient {
        @Bean
        OkHttpClient ownMeshClient(Mesh mesh) {
            return MeshOkHttp.configure(new OkHttpClient.Builder().readTimeout(Duration.ofMillis(1234)), mesh).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Others {
        @Bean
        String a() {
            return "A";
        }

        @Bean
        String b() {
            return "B";
        }

        @Bean
        Consumer consumer() {
            return new Consumer();
        }

        static class Consumer {
            @Value("${answer:42}")
            int answer;
            @Autowired
            @Qualifier("b")
            String b;
            @Autowired
            Mesh mesh;
        }
    }
}

package io.inmesh.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.telemetry.AccessLogFormat;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.Propagation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration's conditions and back-off, with Spring's {@code ApplicationContextRunner}. */
class MeshAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class));
    private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class));

    @TempDir
    Path tmp;

    @Test
    void byDefaultThereIsAMeshItsTelemetryAndAMeshOkHttpClient() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Mesh.class).hasSingleBean(MeshTelemetry.class)
                    .hasSingleBean(OkHttpClient.class).hasSingleBean(MeshProperties.class);
            assertThat(context).as("not a web application").doesNotHaveBean(MeshServerFilter.class);
            Mesh mesh = context.getBean(Mesh.class);
            assertThat(mesh.workload()).isEqualTo(new Workload("default", "default", Map.of()));
            assertThat(mesh.config().loaded()).as("an empty configuration").isTrue();
            MeshTelemetry telemetry = context.getBean(MeshTelemetry.class);
            assertThat(telemetry.samplingPercent()).isEqualTo(1.0);
            assertThat(telemetry.propagation()).containsExactlyInAnyOrder(Propagation.TRACECONTEXT,
                    Propagation.BAGGAGE);
            assertThat(telemetry.accessLog()).isEqualTo(AccessLogFormat.OFF);
            assertThat(telemetry.meterRegistry()).isNull();
            assertThat(context.getBean(OkHttpClient.class).interceptors())
                    .anyMatch(i -> i.getClass().getName().startsWith("io.inmesh.okhttp"));
        });
    }

    @Test
    void aServletApplicationGetsTheFilterRightAfterSpringsObservationFilter() {
        webRunner.run(context -> {
            assertThat(context).hasSingleBean(MeshServerFilter.class);
            FilterRegistrationBean<?> registration = context.getBean("meshServerFilterRegistration",
                    FilterRegistrationBean.class);
            assertThat(registration.getFilter()).isSameAs(context.getBean(MeshServerFilter.class));
            assertThat(registration.getOrder()).isEqualTo(Integer.MIN_VALUE + 2);
            assertThat(registration.isAsyncSupported()).isTrue();
        });
    }

    @Test
    void theKillSwitchLeavesNothing() {
        webRunner.withPropertyValues("mesh.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(Mesh.class).doesNotHaveBean(MeshTelemetry.class)
                    .doesNotHaveBean(OkHttpClient.class).doesNotHaveBean(MeshServerFilter.class)
                    .doesNotHaveBean(FilterRegistrationBean.class).doesNotHaveBean(MeshProperties.class);
        });
    }

    @Test
    void theApplicationsOwnMeshAndTelemetryWin() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasSingleBean(Mesh.class).hasSingleBean(MeshTelemetry.class);
            assertThat(context.getBean(Mesh.class)).isSameAs(context.getBean("ownMesh"));
            assertThat(context.getBean(MeshTelemetry.class)).isSameAs(OwnBeans.TELEMETRY);
        });
    }

    @Test
    void theApplicationsTelemetryIsTheOneTheStartersMeshUses() {
        runner.withUserConfiguration(OwnTelemetry.class).run(context -> {
            assertThat(context.getBean(MeshTelemetry.class)).isSameAs(OwnBeans.TELEMETRY);
            assertThat(context.getBean(Mesh.class).telemetry().settings()).isSameAs(OwnBeans.TELEMETRY);
        });
    }

    @Test
    void theApplicationsOwnOkHttpClientWins() {
        runner.withBean("plain", OkHttpClient.class, OkHttpClient::new).run(context -> {
            assertThat(context).hasSingleBean(OkHttpClient.class);
            assertThat(context.getBean(OkHttpClient.class).interceptors()).isEmpty();
        });
    }

    @Test
    void withoutOkHttpOnTheClasspathThereIsNoClientButTheMeshIsThere() {
        runner.withClassLoader(new FilteredClassLoader(OkHttpClient.class)).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(OkHttpClient.class);
        });
    }

    @Test
    void theApplicationsOpenTelemetryAndMeterRegistryAreUsed() {
        OpenTelemetry otel = OpenTelemetrySdk.builder().build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(OpenTelemetry.class, () -> otel).withBean(MeterRegistry.class, () -> registry)
                .run(context -> {
                    MeshTelemetry telemetry = context.getBean(MeshTelemetry.class);
                    assertThat(telemetry.openTelemetry()).isSameAs(otel);
                    assertThat(telemetry.meterRegistry()).isSameAs(registry);
                });
    }

    @Test
    void metricsOffGivesTheMeshNoRegistry() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("mesh.metrics.enabled=false")
                .run(context -> assertThat(context.getBean(MeshTelemetry.class).meterRegistry()).isNull());
    }

    @Test
    void propertiesReachTheMeshAndItsTelemetry() throws Exception {
        Path config = Files.createDirectory(tmp.resolve("empty"));
        runner.withPropertyValues("mesh.namespace=shop", "mesh.service-account=frontend", "mesh.labels.app=web",
                        "mesh.labels.version=v2", "mesh.config.locations=" + config,
                        "mesh.tracing.sampling-percent=100", "mesh.tracing.propagation=tracecontext,b3-multi",
                        "mesh.access-log.format=json", "mesh.tracing.enabled=false")
                .run(context -> {
                    Mesh mesh = context.getBean(Mesh.class);
                    assertThat(mesh.workload()).isEqualTo(new Workload("shop", "frontend",
                            Map.of("app", "web", "version", "v2")));
                    assertThat(mesh.identity().uri()).isEqualTo("spiffe://cluster.local/ns/shop/sa/frontend");
                    MeshTelemetry telemetry = context.getBean(MeshTelemetry.class);
                    assertThat(telemetry.samplingPercent()).isEqualTo(100.0);
                    assertThat(telemetry.propagation()).containsExactlyInAnyOrder(Propagation.TRACECONTEXT,
                            Propagation.B3_MULTI);
                    assertThat(telemetry.accessLog()).isEqualTo(AccessLogFormat.JSON);
                    assertThat(telemetry.tracing()).isFalse();
                });
    }

    @Test
    void theApplicationNameIsTheAppLabelWhenNoneIsGiven() {
        runner.withPropertyValues("spring.application.name=ratings").run(context ->
                assertThat(context.getBean(Mesh.class).workload().labels()).containsEntry("app", "ratings"));
        runner.withPropertyValues("spring.application.name=ratings", "mesh.labels.app=stars").run(context ->
                assertThat(context.getBean(Mesh.class).workload().labels()).containsEntry("app", "stars"));
    }

    @Test
    void severalConfigLocationsAreReadAsOneSet() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Files.writeString(a.resolve("vs.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        Files.writeString(b.resolve("dr.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: default}
                spec:
                  host: reviews
                  subsets:
                  - name: v1
                    labels: {version: v1}
                """);
        runner.withPropertyValues("mesh.config.locations=" + a + "," + b).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Mesh.class).config().current().version()).isNotBlank();
        });
    }

    @Test
    void aMissingConfigLocationFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("mesh.config.locations=" + tmp.resolve("nowhere")).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(java.nio.file.NoSuchFileException.class);
            assertThat(context.getStartupFailure()).hasStackTraceContaining("mesh.config.locations: ")
                    .hasStackTraceContaining("does not exist");
        });
    }

    @Test
    void anInvalidConfigurationFailsStartUpWithItsDiagnostics() throws Exception {
        Path config = Files.writeString(tmp.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                  - retires: {attempts: 3}
                """);
        runner.withPropertyValues("mesh.config.locations=" + config).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("mesh configuration is invalid")
                    .hasStackTraceContaining("bad.yaml:7");
        });
    }

    @Test
    void anOutOfRangeSamplingPercentFailsNamingTheProperty() {
        runner.withPropertyValues("mesh.tracing.sampling-percent=150").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("mesh.tracing.sampling-percent: 150.0 is outside 0..100");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTelemetry {
        @Bean
        MeshTelemetry ownTelemetry() {
            return OwnBeans.TELEMETRY;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        static final MeshTelemetry TELEMETRY = MeshTelemetry.builder().samplingPercent(42).build();

        @Bean
        MeshTelemetry ownTelemetry() {
            return TELEMETRY;
        }

        @Bean(destroyMethod = "close")
        Mesh ownMesh() throws Exception {
            return Mesh.builder().workload(Workload.of("mine")).configFiles(java.util.List.of()).build();
        }
    }
}

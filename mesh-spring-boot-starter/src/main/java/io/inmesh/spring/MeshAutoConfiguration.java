package io.inmesh.spring;

import io.inmesh.Mesh;
import io.inmesh.okhttp.MeshOkHttp;
import io.inmesh.security.CertificateSource;
import io.inmesh.spring.internal.DeclaredWorkload;
import io.inmesh.spring.internal.MeshCertificates;
import io.inmesh.spring.internal.MeshExtras;
import io.inmesh.spring.internal.MeshFactory;
import io.inmesh.spring.internal.MeshServerTls;
import io.inmesh.spring.internal.MeshSslBundle;
import io.inmesh.telemetry.MeshTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.servlet.DispatcherType;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Auto-configuration of InMesh for Spring Boot 4: a {@link Mesh} built from the {@link MeshProperties mesh.*
 * properties}, its {@link MeshTelemetry}, an {@link OkHttpClient} whose calls go through the mesh (when OkHttp and
 * {@code mesh-okhttp} are on the classpath) and the {@link MeshServerFilter} in servlet web applications. Every bean
 * backs off when the application defines its own of the same type; {@code mesh.enabled=false} turns all of it off.
 *
 * <p>Telemetry: spans go to the application's {@code OpenTelemetry} bean when there is one (Spring Boot's
 * OpenTelemetry SDK, or one of the application's own), else to {@code GlobalOpenTelemetry}; Istio's metrics go to the
 * application's {@code MeterRegistry} bean when there is one and {@code mesh.metrics.enabled} is true.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnBooleanProperty(name = "mesh.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshAutoConfiguration {

    /** The mesh's telemetry settings from {@code mesh.tracing.*}, {@code mesh.access-log.*}, {@code mesh.metrics.*}. */
    @Bean
    @ConditionalOnMissingBean
    public MeshTelemetry meshTelemetry(MeshProperties properties, ObjectProvider<OpenTelemetry> openTelemetry,
                                       ObjectProvider<MeterRegistry> meterRegistry) {
        return MeshFactory.telemetry(properties, openTelemetry.getIfUnique(),
                properties.metrics().enabled() ? meterRegistry.getIfUnique() : null);
    }

    /**
     * The mesh: the workload from {@link MeshService @MeshService} and {@code mesh.namespace},
     * {@code mesh.service-account}, {@code mesh.labels}; the configuration watched; mutual TLS with the certificates
     * of {@code mesh.certificates.*}.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Mesh mesh(MeshProperties properties, MeshTelemetry telemetry, Environment environment,
                     ListableBeanFactory beans, ObjectProvider<MeshExtras> extras,
                     ObjectProvider<CertificateSource> certificates) {
        MeshExtras e = extras.getIfUnique();
        return MeshFactory.mesh(properties, telemetry, workload(properties, environment, beans, e), e,
                certificates.getIfUnique());
    }

    /** The workload the mesh runs as (the same for the mesh and its certificate). */
    private static io.inmesh.Workload workload(MeshProperties properties, Environment environment,
                                               ListableBeanFactory beans, MeshExtras extras) {
        return MeshFactory.effectiveWorkload(properties, environment.getProperty("spring.application.name"),
                DeclaredWorkload.find(beans, environment), extras);
    }

    /**
     * The workload certificate for mutual TLS, when {@code mesh.certificates.source} is built-in-ca or pem-files:
     * issued for the workload's SPIFFE identity by the built-in CA, or read from PEM files; renewed or reloaded as they
     * change.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(MeshCertificates.Configured.class)
    public CertificateSource meshCertificateSource(MeshProperties properties, Environment environment,
                                                   ListableBeanFactory beans, ObjectProvider<MeshExtras> extras) {
        return MeshCertificates.open(properties, workload(properties, environment, beans, extras.getIfUnique()));
    }

    /**
     * The mesh's TLS material as the SSL bundle {@code mesh} (updated on rotation) when the mesh has mutual TLS (from
     * {@code mesh.certificates.*} or the application's own {@code Mesh} bean), for the web server and for anything
     * else of the application's that takes an SSL bundle.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MeshSslBundle.class)
    MeshSslBundle meshSslBundle(Mesh mesh) {
        return new MeshSslBundle(mesh);
    }

    /**
     * server.port serves the mesh's TLS ({@code mesh.server.tls}, on by default, when the mesh has certificates and
     * {@code server.ssl} is not configured).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication
    @ConditionalOnClass(name = "org.springframework.boot.web.server.WebServerFactoryCustomizer")
    @ConditionalOnBooleanProperty(name = "mesh.server.tls", matchIfMissing = true)
    static class ServerTlsConfiguration {
        @Bean(destroyMethod = "close")
        MeshServerTls meshServerTls(Mesh mesh, ObjectProvider<org.springframework.boot.ssl.SslBundles> bundles) {
            return new MeshServerTls(mesh, bundles.getIfAvailable());
        }
    }

    /**
     * The Kubernetes API as config source (ConfigMaps), endpoint registry (EndpointSlices and Pods) and identity,
     * with mesh-kubernetes on the classpath and {@code mesh.kubernetes.enabled=true}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.inmesh.kubernetes.KubernetesEndpointRegistry")
    @ConditionalOnBooleanProperty(name = "mesh.kubernetes.enabled")
    static class KubernetesConfiguration {
        /** fabric8's client: in-cluster credentials or the kubeconfig, as fabric8 finds them. */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        io.fabric8.kubernetes.client.KubernetesClient meshKubernetesClient() {
            return new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean({MeshExtras.class, Mesh.class})
        MeshExtras meshKubernetesExtras(MeshProperties properties,
                                        io.fabric8.kubernetes.client.KubernetesClient client,
                                        Environment environment, ListableBeanFactory beans) {
            return io.inmesh.spring.internal.KubernetesExtras.create(properties, client,
                    environment.getProperty("spring.application.name"), DeclaredWorkload.find(beans, environment));
        }
    }

    /** An {@link OkHttpClient} whose calls go through the mesh ({@link MeshOkHttp#newClient}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({OkHttpClient.class, MeshOkHttp.class})
    static class OkHttpConfiguration {
        @Bean
        @ConditionalOnMissingBean
        OkHttpClient meshOkHttpClient(Mesh mesh) {
            return MeshOkHttp.newClient(mesh);
        }
    }

    /**
     * Carries the request's trace context into Spring's own executors (Spring MVC's {@code Callable} and
     * {@code @Async} run on the auto-configured task executor, which Spring Boot decorates with the application's
     * {@code TaskDecorator}): the task runs in the context that was current when it was submitted. Backs off to any
     * {@code TaskDecorator} of the application's (which then has to carry the context itself).
     */
    @Bean
    @ConditionalOnMissingBean(org.springframework.core.task.TaskDecorator.class)
    org.springframework.core.task.TaskDecorator meshContextTaskDecorator() {
        return runnable -> io.opentelemetry.context.Context.current().wrap(runnable);
    }

    /** Spring MVC's {@code Callable} results run in the request's trace context, on any executor. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.springframework.web.servlet.config.annotation.WebMvcConfigurer")
    static class MvcAsyncConfiguration {
        @Bean
        org.springframework.web.servlet.config.annotation.WebMvcConfigurer meshMvcCallableContext() {
            return new org.springframework.web.servlet.config.annotation.WebMvcConfigurer() {
                @Override
                public void configureAsyncSupport(
                        org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer configurer) {
                    configurer.registerCallableInterceptors(new io.inmesh.spring.internal.MvcCallableContext());
                }
            };
        }
    }

    /** The inbound filter of servlet applications. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass({OncePerRequestFilter.class, FilterRegistrationBean.class})
    static class ServletConfiguration {
        @Bean
        @ConditionalOnMissingBean
        MeshServerFilter meshServerFilter(Mesh mesh) {
            return new MeshServerFilter(mesh);
        }

        @Bean
        @ConditionalOnMissingBean(name = "meshServerFilterRegistration")
        FilterRegistrationBean<MeshServerFilter> meshServerFilterRegistration(MeshServerFilter filter) {
            FilterRegistrationBean<MeshServerFilter> registration = new FilterRegistrationBean<>(filter);
            registration.setOrder(MeshServerFilter.ORDER);
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
            registration.setAsyncSupported(true);
            return registration;
        }

        /**
         * Ends a call whose error page the container rendered without an ERROR dispatch: a valve on an embedded
         * Tomcat, a request listener on other servlet containers and in war deployments.
         */
        @Bean
        io.inmesh.spring.internal.ServletRequestEnd meshServletRequestEnd() {
            return new io.inmesh.spring.internal.ServletRequestEnd();
        }

        @Bean
        @ConditionalOnClass(name = "org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory")
        io.inmesh.spring.internal.ServletRequestEnd.TomcatValve meshTomcatRequestEndValve(
                io.inmesh.spring.internal.ServletRequestEnd end) {
            return new io.inmesh.spring.internal.ServletRequestEnd.TomcatValve(end);
        }
    }

    /**
     * The inbound filter of reactive (WebFlux) applications. Unless the application sets
     * {@code spring.reactor.context-propagation} itself, Reactor's automatic context propagation is turned on (what
     * {@code spring.reactor.context-propagation=auto} does) when Micrometer's context-propagation library is on the
     * classpath, so that the request's trace follows it across threads.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass({org.springframework.web.server.WebFilter.class, reactor.core.publisher.Mono.class})
    static class ReactiveConfiguration {
        ReactiveConfiguration(Environment environment) {
            if (!environment.containsProperty("spring.reactor.context-propagation")) {
                io.inmesh.spring.internal.ReactorContextPropagation.enableAutomaticPropagation();
            }
        }

        @Bean
        @ConditionalOnMissingBean
        MeshWebFilter meshWebFilter(Mesh mesh) {
            return new MeshWebFilter(mesh);
        }
    }
}

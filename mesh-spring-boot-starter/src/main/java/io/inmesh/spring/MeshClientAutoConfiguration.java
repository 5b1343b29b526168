package io.inmesh.spring;

import io.inmesh.spring.internal.client.MeshClientInjection;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * {@link MeshClient @MeshClient} injection: {@code OkHttpClient}, {@code RestClient}, {@code RestClient.Builder},
 * {@code WebClient} and {@code WebClient.Builder} that go through the mesh (RestClient with spring-web on the
 * classpath, WebClient with spring-webflux), all over the one mesh {@code OkHttpClient} of
 * {@link MeshAutoConfiguration}.
 *
 * <ul>
 *   <li>With OkHttp and mesh-okhttp on the classpath and {@code mesh.enabled} true (the default): clients through
 *       the mesh.</li>
 *   <li>With {@code mesh.enabled=false}: clients with the same base URLs that call the services directly, without
 *       the mesh (the kill switch takes the mesh out of the calls, and leaves the application working).</li>
 *   <li>Without mesh-okhttp: an annotated injection point fails start-up, saying what is missing.</li>
 * </ul>
 *
 * The injection works through the bean factory's autowire candidate resolver (a static
 * {@code BeanFactoryPostProcessor} puts the mesh's in front of the one installed), so that it serves fields,
 * constructor parameters and {@code @Bean} method parameters alike, and leaves {@code @Value}, {@code @Qualifier}
 * and {@code @Lazy} as they were.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
public class MeshClientAutoConfiguration {

    /** Clients through the mesh. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"okhttp3.OkHttpClient", "io.inmesh.okhttp.MeshOkHttp"})
    @ConditionalOnBooleanProperty(name = "mesh.enabled", matchIfMissing = true)
    static class MeshClients {
        @Bean
        static MeshClientInjection meshClientInjection(Environment environment) {
            return MeshClientInjection.overOkHttp(environment, true);
        }
    }

    /** The kill switch: clients that call the services directly. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"okhttp3.OkHttpClient", "io.inmesh.okhttp.MeshOkHttp"})
    @ConditionalOnBooleanProperty(name = "mesh.enabled", havingValue = false)
    static class DirectClients {
        @Bean
        static MeshClientInjection meshClientInjection(Environment environment) {
            return MeshClientInjection.overOkHttp(environment, false);
        }
    }

    /** No mesh-okhttp: @MeshClient fails start-up saying so (instead of Spring's "no qualifying bean"). */
    @Configuration(proxyBeanMethods = false)
    @Conditional(OkHttpMissing.class)
    static class NoClients {
        @Bean
        static MeshClientInjection meshClientInjection(Environment environment) {
            return MeshClientInjection.withoutOkHttp(environment);
        }
    }

    /** OkHttp or mesh-okhttp is missing. */
    static final class OkHttpMissing extends AnyNestedCondition {
        OkHttpMissing() {
            super(ConfigurationPhase.PARSE_CONFIGURATION);
        }

        @ConditionalOnMissingClass("okhttp3.OkHttpClient")
        static final class NoOkHttp {
        }

        @ConditionalOnMissingClass("io.inmesh.okhttp.MeshOkHttp")
        static final class NoMeshOkHttp {
        }
    }
}

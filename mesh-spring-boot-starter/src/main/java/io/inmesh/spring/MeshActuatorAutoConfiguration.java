package io.inmesh.spring;

import io.inmesh.Mesh;
import io.inmesh.spring.actuate.MeshEndpoint;
import io.inmesh.spring.actuate.MeshHealthIndicator;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Actuator support, with Spring Boot Actuator on the classpath: the {@link MeshEndpoint mesh endpoint}
 * ({@code /actuator/mesh} once exposed) and the {@link MeshHealthIndicator mesh health indicator}
 * ({@code management.health.mesh.enabled}). Istio's metrics reach {@code /actuator/prometheus} through the
 * application's MeterRegistry (see {@link MeshAutoConfiguration}).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "mesh.enabled", matchIfMissing = true)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
public class MeshActuatorAutoConfiguration {

    /** {@code /actuator/mesh}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition"
            + ".ConditionalOnAvailableEndpoint")
    @ConditionalOnAvailableEndpoint(MeshEndpoint.class)
    static class EndpointConfiguration {
        @Bean
        @ConditionalOnBean(Mesh.class)
        @ConditionalOnMissingBean
        MeshEndpoint meshEndpoint(Mesh mesh, Environment environment) {
            return new MeshEndpoint(mesh, environment);
        }
    }

    /** The {@code mesh} health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnEnabledHealthIndicator("mesh")
    static class HealthConfiguration {
        @Bean
        @ConditionalOnBean(Mesh.class)
        @ConditionalOnMissingBean(name = "meshHealthIndicator")
        MeshHealthIndicator meshHealthIndicator(Mesh mesh) {
            return new MeshHealthIndicator(mesh);
        }
    }
}

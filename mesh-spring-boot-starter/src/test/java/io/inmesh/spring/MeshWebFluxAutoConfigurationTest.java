package io.inmesh.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Hooks;

/** The reactive filter's conditions and back-off, with Spring's {@code ApplicationContextRunner}s. */
class MeshWebFluxAutoConfigurationTest {
    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class));

    @Test
    void aReactiveApplicationGetsTheWebFilterAndNoServletFilter() {
        reactive.run(context -> {
            assertThat(context).hasSingleBean(MeshWebFilter.class).doesNotHaveBean(MeshServerFilter.class);
            assertThat(context.getBean(MeshWebFilter.class).getOrder()).isEqualTo(MeshServerFilter.ORDER);
            assertThat(context.getBeansOfType(WebFilter.class)).hasSize(1);
        });
    }

    @Test
    void aServletApplicationAndANonWebOneGetNoWebFilter() {
        new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .run(context -> assertThat(context).hasSingleBean(MeshServerFilter.class)
                        .doesNotHaveBean(MeshWebFilter.class));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
                .run(context -> assertThat(context).hasSingleBean(Mesh.class).doesNotHaveBean(MeshWebFilter.class));
    }

    @Test
    void theApplicationsOwnWebFilterWins() {
        reactive.withUserConfiguration(OwnFilter.class).run(context -> {
            assertThat(context).hasSingleBean(MeshWebFilter.class);
            assertThat(context.getBean(MeshWebFilter.class)).isSameAs(context.getBean("ownFilter"));
        });
    }

    @Test
    void theKillSwitchLeavesNoWebFilter() {
        reactive.withPropertyValues("mesh.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshWebFilter.class)
                        .doesNotHaveBean(Mesh.class));
    }

    @Test
    void withoutReactorThereIsNoWebFilter() {
        reactive.withClassLoader(new FilteredClassLoader(reactor.core.publisher.Mono.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshWebFilter.class));
    }

    @Test
    void automaticContextPropagationIsOnUnlessTheApplicationChose() {
        boolean before = Hooks.isAutomaticContextPropagationEnabled();
        Hooks.disableAutomaticContextPropagation();
        try {
            reactive.withPropertyValues("spring.reactor.context-propagation=limited").run(context -> {
                assertThat(context).hasSingleBean(MeshWebFilter.class);
                assertThat(Hooks.isAutomaticContextPropagationEnabled()).as("the application said limited").isFalse();
            });
            reactive.run(context -> assertThat(Hooks.isAutomaticContextPropagationEnabled()).isTrue());
        } finally {
            if (before) {
                Hooks.enableAutomaticContextPropagation();
            } else {
                Hooks.disableAutomaticContextPropagation();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnFilter {
        @Bean
        MeshWebFilter ownFilter(Mesh mesh) {
            return new MeshWebFilter(mesh);
        }
    }
}

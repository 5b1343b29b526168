package io.inmesh.spring.internal.client;

import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateResolver;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Installs {@link MeshClientResolver} in front of the bean factory's autowire candidate resolver, so that
 * {@code @MeshClient} injection points get the mesh's clients.
 */
public final class MeshClientInjection implements BeanFactoryPostProcessor, Ordered {
    private static final Log LOG = LogFactory.getLog(MeshClientInjection.class);

    private final Environment environment;
    private final Function<ConfigurableListableBeanFactory, MeshClientResolver.Clients> clients;

    private MeshClientInjection(Environment environment,
                                Function<ConfigurableListableBeanFactory, MeshClientResolver.Clients> clients) {
        this.environment = environment;
        this.clients = clients;
    }

    /**
     * Clients over OkHttp (needs OkHttp and mesh-okhttp on the classpath): through the mesh when {@code meshEnabled},
     * else straight to the services.
     */
    public static MeshClientInjection overOkHttp(Environment environment, boolean meshEnabled) {
        return new MeshClientInjection(environment, beanFactory -> new MeshClients(beanFactory, meshEnabled));
    }

    /** Without mesh-okhttp on the classpath: every {@code @MeshClient} injection point fails saying so. */
    public static MeshClientInjection withoutOkHttp(Environment environment) {
        return new MeshClientInjection(environment, beanFactory -> new MeshClientResolver.Clients() {
            @Override
            public String unavailable() {
                return "the mesh's HTTP client needs io.inmesh:mesh-okhttp (and OkHttp), which is not on the"
                        + " classpath";
            }

            @Override
            public String supportedTypes() {
                return "";
            }

            @Override
            public boolean supports(Class<?> type) {
                return false;
            }

            @Override
            public Object client(Class<?> type, String baseUrl) {
                throw new IllegalStateException(unavailable());
            }
        });
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (!(beanFactory instanceof DefaultListableBeanFactory)) {
            LOG.warn("@MeshClient injection is not available: the bean factory is a "
                    + beanFactory.getClass().getName() + ", not a DefaultListableBeanFactory");
            return;
        }
        DefaultListableBeanFactory factory = (DefaultListableBeanFactory) beanFactory;
        AutowireCandidateResolver current = factory.getAutowireCandidateResolver();
        if (current instanceof MeshClientResolver) {
            return;
        }
        factory.setAutowireCandidateResolver(
                new MeshClientResolver(current, clients.apply(beanFactory), beanFactory, environment));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}

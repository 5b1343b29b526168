package io.inmesh.spring.internal.client;

import io.inmesh.spring.MeshClient;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import org.springframework.beans.factory.config.BeanDefinitionHolder;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.AutowireCandidateResolver;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.Environment;

/**
 * The bean factory's autowire candidate resolver with {@code @MeshClient} added: a dependency carrying the
 * annotation (directly or as a meta-annotation) gets the mesh's client as its suggested value, the way {@code @Value}
 * gets its value, which works for fields, constructor parameters and method parameters alike. Everything else, and
 * every other question ({@code @Qualifier}, {@code @Lazy}, {@code @Value}, generics), goes to the resolver that was
 * installed before, unchanged.
 */
public final class MeshClientResolver implements AutowireCandidateResolver {

    /** What makes the clients. */
    interface Clients {
        /** Why no client can be had at all (a missing library), or null. */
        default String unavailable() {
            return null;
        }

        /** The injectable types, for messages. */
        String supportedTypes();

        boolean supports(Class<?> type);

        /** The client of {@code type} (a supported one) for {@code baseUrl}. */
        Object client(Class<?> type, String baseUrl);
    }

    private final AutowireCandidateResolver delegate;
    private final Clients clients;
    private final ConfigurableListableBeanFactory beanFactory;
    private final Environment environment;

    MeshClientResolver(AutowireCandidateResolver delegate, Clients clients, ConfigurableListableBeanFactory beanFactory,
                       Environment environment) {
        this.delegate = delegate;
        this.clients = clients;
        this.beanFactory = beanFactory;
        this.environment = environment;
    }

    AutowireCandidateResolver delegate() {
        return delegate;
    }

    @Override
    public Object getSuggestedValue(DependencyDescriptor descriptor) {
        MergedAnnotation<MeshClient> annotation = MergedAnnotations.from(descriptor.getAnnotations())
                .get(MeshClient.class);
        if (!annotation.isPresent()) {
            return delegate.getSuggestedValue(descriptor);
        }
        return resolve(descriptor, annotation.getString("value"));
    }

    private Object resolve(DependencyDescriptor descriptor, String raw) {
        String where = "@MeshClient(\"" + raw + "\") on " + describe(descriptor);
        String unavailable = clients.unavailable();
        if (unavailable != null) {
            throw new MeshClientException(where + ": " + unavailable,
                    "Add io.inmesh:mesh-okhttp to the application's dependencies");
        }
        Class<?> type = descriptor.getDependencyType();
        if (!clients.supports(type)) {
            throw new MeshClientException(where + ": " + type.getName() + " is not a client @MeshClient can inject"
                    + " (supported: " + clients.supportedTypes() + ")",
                    "Declare the injection point as one of " + clients.supportedTypes());
        }
        String value = placeholders(raw, where);
        String baseUrl;
        try {
            baseUrl = MeshClientTarget.baseUrl(value);
        } catch (IllegalArgumentException e) {
            throw new MeshClientException(where + (value.equals(raw) ? "" : " (resolved to \"" + value + "\")")
                    + ": " + e.getMessage(), MeshClientTarget.ACTION);
        }
        return clients.client(type, baseUrl);
    }

    /** The value with {@code ${...}} resolved as {@code @Value} resolves it; unresolvable ones are an error. */
    private String placeholders(String raw, String where) {
        if (!raw.contains("${")) {
            return raw;
        }
        try {
            String value = beanFactory.hasEmbeddedValueResolver() ? beanFactory.resolveEmbeddedValue(raw) : raw;
            if (value == null || value.contains("${")) {
                value = environment.resolveRequiredPlaceholders(value == null ? raw : value);
            }
            return value;
        } catch (IllegalArgumentException e) {
            throw new MeshClientException(where + ": " + e.getMessage(),
                    "Define the property, or give the placeholder a default: ${name:ratings:9080}");
        }
    }

    /** The injection point as a reader finds it in the source. */
    static String describe(DependencyDescriptor descriptor) {
        Field field = descriptor.getField();
        if (field != null) {
            return "field '" + field.getName() + "' of " + field.getDeclaringClass().getName();
        }
        MethodParameter parameter = descriptor.getMethodParameter();
        if (parameter == null) {
            return "an injection point of type " + descriptor.getDependencyType().getName();
        }
        Executable executable = parameter.getExecutable();
        String name = descriptor.getDependencyName();
        String p = "parameter " + parameter.getParameterIndex() + (name != null ? " '" + name + "'" : "");
        if (executable instanceof Constructor) {
            return p + " of the constructor of " + executable.getDeclaringClass().getName();
        }
        return p + " of method " + executable.getName() + " of " + executable.getDeclaringClass().getName();
    }

    // everything else as the resolver installed before answers it

    @Override
    public boolean isAutowireCandidate(BeanDefinitionHolder bdHolder, DependencyDescriptor descriptor) {
        return delegate.isAutowireCandidate(bdHolder, descriptor);
    }

    @Override
    public boolean isRequired(DependencyDescriptor descriptor) {
        return delegate.isRequired(descriptor);
    }

    @Override
    public boolean hasQualifier(DependencyDescriptor descriptor) {
        return delegate.hasQualifier(descriptor);
    }

    @Override
    public String getSuggestedName(DependencyDescriptor descriptor) {
        return delegate.getSuggestedName(descriptor);
    }

    @Override
    public Object getLazyResolutionProxyIfNecessary(DependencyDescriptor descriptor, String beanName) {
        return delegate.getLazyResolutionProxyIfNecessary(descriptor, beanName);
    }

    @Override
    public Class<?> getLazyResolutionProxyClass(DependencyDescriptor descriptor, String beanName) {
        return delegate.getLazyResolutionProxyClass(descriptor, beanName);
    }

    @Override
    public AutowireCandidateResolver cloneIfNecessary() {
        return new MeshClientResolver(delegate.cloneIfNecessary(), clients, beanFactory, environment);
    }
}

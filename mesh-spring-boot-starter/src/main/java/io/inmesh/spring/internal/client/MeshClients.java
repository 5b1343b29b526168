package io.inmesh.spring.internal.client;

import io.inmesh.Mesh;
import io.inmesh.okhttp.MeshOkHttp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Makes the clients {@code @MeshClient} injects, once per type and base URL: RestClient and WebClient over the one
 * mesh OkHttpClient (Spring Boot's builders cloned when the application has them), builders cloned per injection.
 * RestClient and WebClient are touched only in nested classes loaded when their types are on the classpath.
 */
final class MeshClients implements MeshClientResolver.Clients {
    private static final Log LOG = LogFactory.getLog(MeshClients.class);

    /** The types {@code @MeshClient} can inject. */
    enum Kind {
        OKHTTP("okhttp3.OkHttpClient"),
        REST_CLIENT("org.springframework.web.client.RestClient"),
        REST_CLIENT_BUILDER("org.springframework.web.client.RestClient$Builder"),
        WEB_CLIENT("org.springframework.web.reactive.function.client.WebClient"),
        WEB_CLIENT_BUILDER("org.springframework.web.reactive.function.client.WebClient$Builder");

        final String className;

        Kind(String className) {
            this.className = className;
        }

        /** The type as a reader writes it ({@code RestClient.Builder}). */
        String displayName() {
            return className.replace('$', '.');
        }
    }

    private final ConfigurableListableBeanFactory beanFactory;
    private final boolean meshEnabled;
    private final List<Kind> supported;
    private final Map<String, Object> cache = new ConcurrentHashMap<>();
    private final Object okHttpLock = new Object();
    private volatile OkHttpClient okHttp;

    MeshClients(ConfigurableListableBeanFactory beanFactory, boolean meshEnabled) {
        this.beanFactory = beanFactory;
        this.meshEnabled = meshEnabled;
        ClassLoader loader = beanFactory.getBeanClassLoader();
        List<Kind> kinds = new ArrayList<>();
        kinds.add(Kind.OKHTTP);
        if (ClassUtils.isPresent(Kind.REST_CLIENT.className, loader)) {
            kinds.add(Kind.REST_CLIENT);
            kinds.add(Kind.REST_CLIENT_BUILDER);
        }
        if (ClassUtils.isPresent(Kind.WEB_CLIENT.className, loader)
                && ClassUtils.isPresent("reactor.core.publisher.Mono", loader)) {
            kinds.add(Kind.WEB_CLIENT);
            kinds.add(Kind.WEB_CLIENT_BUILDER);
        }
        this.supported = List.copyOf(kinds);
    }

    @Override
    public String supportedTypes() {
        return supported.stream().map(Kind::displayName).collect(Collectors.joining(", "));
    }

    @Override
    public boolean supports(Class<?> type) {
        return kindOf(type) != null;
    }

    private Kind kindOf(Class<?> type) {
        for (Kind k : supported) {
            if (k.className.equals(type.getName())) {
                return k;
            }
        }
        return null;
    }

    @Override
    public Object client(Class<?> type, String baseUrl) {
        Kind kind = kindOf(type);
        if (kind == null) {
            throw new IllegalArgumentException(type.getName());
        }
        switch (kind) {
            case OKHTTP:
                return okHttp();
            case REST_CLIENT:
                return cached("RestClient " + baseUrl, () -> Rest.build(restBuilder(baseUrl)));
            case REST_CLIENT_BUILDER:
                return Rest.copy(restBuilder(baseUrl));
            case WEB_CLIENT:
                return cached("WebClient " + baseUrl, () -> Web.build(webBuilder(baseUrl)));
            case WEB_CLIENT_BUILDER:
                return Web.copy(webBuilder(baseUrl));
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    /** The configured builder for {@code baseUrl}, kept as a template (never handed out itself). */
    private Object restBuilder(String baseUrl) {
        Object factory = cached("request factory", () -> Rest.requestFactory(okHttp()));
        return cached("RestClient.Builder " + baseUrl, () -> Rest.builder(beanFactory, baseUrl, factory));
    }

    private Object webBuilder(String baseUrl) {
        Object connector = cached("connector", () -> Web.connector(okHttp()));
        return cached("WebClient.Builder " + baseUrl, () -> Web.builder(beanFactory, baseUrl, connector));
    }

    /** The value cached under {@code key}, created when missing (not in a compute: creation may nest). */
    private Object cached(String key, Supplier<Object> create) {
        Object value = cache.get(key);
        if (value == null) {
            Object created = create.get();
            value = cache.putIfAbsent(key, created);
            if (value == null) {
                value = created;
            }
        }
        return value;
    }

    /**
     * The OkHttpClient every client goes through. With the mesh on: an OkHttpClient bean that goes through the mesh
     * (the starter's, or the application's own made with MeshOkHttp), else one made with
     * {@link MeshOkHttp#newClient} over the Mesh bean. With the mesh off: the application's unique OkHttpClient bean,
     * else a plain client.
     */
    OkHttpClient okHttp() {
        OkHttpClient c = okHttp;
        if (c == null) {
            synchronized (okHttpLock) {
                c = okHttp;
                if (c == null) {
                    c = meshEnabled ? meshOkHttp() : plainOkHttp();
                    okHttp = c;
                }
            }
        }
        return c;
    }

    private OkHttpClient meshOkHttp() {
        for (OkHttpClient candidate : beanFactory.getBeanProvider(OkHttpClient.class).orderedStream()
                .collect(Collectors.toList())) {
            if (MeshOkHttp.routesThroughMesh(candidate)) {
                return candidate;
            }
        }
        Mesh mesh;
        try {
            mesh = beanFactory.getBean(Mesh.class);
        } catch (BeansException e) {
            throw new MeshClientException("@MeshClient needs a Mesh bean, and none could be had: " + e.getMessage(),
                    "Keep InMesh's auto-configuration (MeshAutoConfiguration) or define a Mesh bean");
        }
        if (beanFactory.getBeanNamesForType(OkHttpClient.class, true, false).length > 0) {
            LOG.info("The application's OkHttpClient bean does not go through the mesh: @MeshClient clients use an"
                    + " OkHttpClient of their own made with MeshOkHttp.newClient(mesh); the application's bean is left"
                    + " as it is");
        }
        return MeshOkHttp.newClient(mesh);
    }

    private OkHttpClient plainOkHttp() {
        LOG.info("mesh.enabled=false: @MeshClient clients call services directly, without the mesh");
        OkHttpClient own = beanFactory.getBeanProvider(OkHttpClient.class).getIfUnique();
        return own != null ? own : new OkHttpClient();
    }

    /** RestClient's side: loaded only with spring-web on the classpath. */
    private static final class Rest {
        static Object requestFactory(OkHttpClient client) {
            return new OkHttpClientHttpRequestFactory(client);
        }

        static Object builder(ConfigurableListableBeanFactory beanFactory, String baseUrl, Object requestFactory) {
            RestClient.Builder app = beanFactory.getBeanProvider(RestClient.Builder.class).getIfUnique();
            RestClient.Builder b = app != null ? app.clone() : RestClient.builder();
            return b.baseUrl(baseUrl).requestFactory((OkHttpClientHttpRequestFactory) requestFactory);
        }

        static Object build(Object builder) {
            return ((RestClient.Builder) builder).clone().build();
        }

        static Object copy(Object builder) {
            return ((RestClient.Builder) builder).clone();
        }
    }

    /** WebClient's side: loaded only with spring-webflux and Reactor on the classpath. */
    private static final class Web {
        static Object connector(OkHttpClient client) {
            return new OkHttpClientHttpConnector(client);
        }

        static Object builder(ConfigurableListableBeanFactory beanFactory, String baseUrl, Object connector) {
            WebClient.Builder app = beanFactory.getBeanProvider(WebClient.Builder.class).getIfUnique();
            WebClient.Builder b = app != null ? app.clone() : WebClient.builder();
            return b.baseUrl(baseUrl).clientConnector((OkHttpClientHttpConnector) connector);
        }

        static Object build(Object builder) {
            return ((WebClient.Builder) builder).clone().build();
        }

        static Object copy(Object builder) {
            return ((WebClient.Builder) builder).clone();
        }
    }
}

package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.security.MeshTls;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes the application's web server serve the mesh's TLS on {@code server.port} (when the mesh has certificates,
 * {@code mesh.server.tls} is true and the application has not configured {@code server.ssl} itself):
 * <ul>
 *   <li>Reactor Netty: a {@link NettyTlsDetector} on every connection, so the port takes mesh TLS and plaintext alike
 *       and PeerAuthentication is applied live, per request, by the inbound filter.</li>
 *   <li>Tomcat: the SSL bundle {@value MeshSslBundle#NAME} with client certificates requested ({@code want}),
 *       reloaded on rotation. Tomcat takes TLS only on a TLS port: when the port's mode at start-up is DISABLE, the
 *       port is left plaintext instead. A later change across DISABLE is applied per request by the filter, and logged
 *       as needing a restart for the transport.</li>
 *   <li>Other servers (Jetty, Undertow): not served, with a warning. Spring Boot does not reload their SSL bundles, so
 *       they would keep serving a certificate the built-in CA replaces every 12 hours; the port stays plaintext, and a
 *       STRICT PeerAuthentication refuses every request on it (fails closed).</li>
 * </ul>
 * Runs after Spring Boot's own customizers (which apply {@code server.ssl.*}).
 */
public final class MeshServerTls implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {
    private static final System.Logger LOG = System.getLogger("io.inmesh.spring");
    private static final String NETTY_FACTORY = "org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory";
    private static final String TOMCAT_FACTORY = "org.springframework.boot.tomcat.TomcatWebServerFactory";

    private final Mesh mesh;
    private final SslBundles bundles;
    private volatile AutoCloseable transportWatch;

    public MeshServerTls(Mesh mesh, SslBundles bundles) {
        this.mesh = mesh;
        this.bundles = bundles;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
        MeshTls tls = mesh.tls();
        if (tls == null) {
            return;
        }
        if (factory instanceof AbstractConfigurableWebServerFactory) {
            Ssl ssl = ((AbstractConfigurableWebServerFactory) factory).getSsl();
            if (ssl != null && ssl.isEnabled()) {
                LOG.log(System.Logger.Level.INFO, "InMesh: server.ssl is configured by the application; the web"
                        + " server serves that, not the mesh's TLS (mTLS peers are verified only if its trust store"
                        + " holds the mesh's roots)");
                return;
            }
        }
        if (is(factory, NETTY_FACTORY)) {
            NettyCustomizer.add(factory, tls);
            return;
        }
        if (!is(factory, TOMCAT_FACTORY)) {
            LOG.log(System.Logger.Level.WARNING, "InMesh: " + factory.getClass().getSimpleName() + " cannot serve the"
                    + " mesh's TLS (Spring Boot reloads SSL bundles for Tomcat and Reactor Netty only, and the"
                    + " workload certificate rotates); the port stays plaintext and STRICT PeerAuthentication refuses"
                    + " every request on it. Use Tomcat or Reactor Netty, or set mesh.server.tls=false to silence this");
            return;
        }
        int port = factory instanceof AbstractConfigurableWebServerFactory
                ? ((AbstractConfigurableWebServerFactory) factory).getPort() : 0;
        PeerAuthentication.Mode mode = mesh.mtlsMode(port);
        boolean servingTls = mode != PeerAuthentication.Mode.DISABLE;
        if (servingTls) {
            Ssl ssl = new Ssl();
            ssl.setBundle(MeshSslBundle.NAME);
            ssl.setClientAuth(Ssl.ClientAuth.WANT);
            factory.setSsl(ssl);
            factory.setSslBundles(bundles);
        } else {
            LOG.log(System.Logger.Level.INFO, "InMesh: PeerAuthentication DISABLE for port " + port
                    + ": the server serves plaintext");
        }
        watchTransport(port, servingTls);
    }

    private static boolean is(ConfigurableWebServerFactory factory, String className) {
        for (Class<?> c = factory.getClass(); c != null; c = c.getSuperclass()) {
            if (className.equals(c.getName())) {
                return true;
            }
        }
        return false;
    }

    /** Logs when the port's mode moves across DISABLE, which this server's transport follows only on restart. */
    private void watchTransport(int port, boolean servingTls) {
        close();
        transportWatch = mesh.config().addUpdateListener(update -> {
            boolean wantTls = mesh.mtlsMode(port) != PeerAuthentication.Mode.DISABLE;
            if (wantTls != servingTls) {
                LOG.log(System.Logger.Level.WARNING, "InMesh: PeerAuthentication for port " + port + " is now "
                        + mesh.mtlsMode(port) + " but the server was started serving "
                        + (servingTls ? "TLS" : "plaintext") + "; requests are checked by the new mode now, the"
                        + " server's transport changes on restart (Reactor Netty serves both on one port)");
            }
        });
    }

    /** Stops watching the configuration. */
    public void close() {
        AutoCloseable w = transportWatch;
        transportWatch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception impossible) {
                // removing a listener from a list does not fail
            }
        }
    }

    /** Kept apart so that Reactor Netty's classes are loaded only when the server is Netty. */
    private static final class NettyCustomizer {
        static void add(ConfigurableWebServerFactory factory, MeshTls tls) {
            ((org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory) factory).addServerCustomizers(
                    server -> server.doOnChannelInit((observer, channel, address) ->
                            channel.pipeline().addFirst(NettyTlsDetector.NAME, new NettyTlsDetector(tls))));
        }
    }
}

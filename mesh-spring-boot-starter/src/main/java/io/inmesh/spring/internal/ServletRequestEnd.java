package io.inmesh.spring.internal;

import io.inmesh.spring.MeshServerFilter;
import jakarta.servlet.ServletContext;
import org.springframework.boot.web.servlet.ServletContextInitializer;

/**
 * Makes the container tell the mesh's filter when a request is over, so that a call waiting for an error page the
 * container renders itself (without an ERROR dispatch) ends: on an embedded Tomcat with an engine valve (after the
 * host's error report valve, see {@link TomcatValve}), everywhere else (other embedded servers, a war deployed to a
 * container) with a servlet request listener added when the servlet context starts. Tomcat gets a valve because a
 * request listener there makes every request attribute set or removed, by anyone, build and deliver an event.
 */
public final class ServletRequestEnd implements ServletContextInitializer {
    /** Set when the embedded server is Tomcat and has the valve (customizing runs before the context starts). */
    private volatile boolean valve;

    @Override
    public void onStartup(ServletContext context) {
        if (!valve) {
            context.addListener(new MeshServerFilter.RequestEnd());
        }
    }

    /** Adds the engine valve to an embedded Tomcat; other embedded servers keep the listener. */
    public static final class TomcatValve implements org.springframework.boot.web.server.WebServerFactoryCustomizer<
            org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory> {
        private static final String TOMCAT_FACTORY = "org.springframework.boot.tomcat.TomcatWebServerFactory";
        private final ServletRequestEnd end;

        public TomcatValve(ServletRequestEnd end) {
            this.end = end;
        }

        @Override
        public void customize(org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory f) {
            for (Class<?> c = f.getClass(); c != null; c = c.getSuperclass()) {
                if (c.getName().equals(TOMCAT_FACTORY)) {
                    TomcatRequestEndValve.addTo(f);
                    end.valve = true;
                    return;
                }
            }
        }
    }
}

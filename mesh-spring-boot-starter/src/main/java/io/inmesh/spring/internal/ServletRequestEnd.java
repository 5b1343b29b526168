package io.inmesh.spring.internal;

import io.inmesh.spring.MeshServerFilter;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;

/**
 * Makes the container tell the mesh's filter when a request is over, so that a call waiting for an error page the
 * container renders itself (without an ERROR dispatch) ends: on Tomcat with an engine valve (after the host's error
 * report valve), elsewhere with a servlet request listener. Tomcat gets a valve because a request listener there
 * makes every request attribute set or removed, by anyone, build and deliver an event.
 */
public final class ServletRequestEnd implements WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> {
    private static final String TOMCAT_FACTORY = "org.springframework.boot.tomcat.TomcatWebServerFactory";

    @Override
    public void customize(ConfigurableServletWebServerFactory factory) {
        if (isTomcat(factory)) {
            TomcatRequestEndValve.addTo(factory);
        } else {
            factory.addInitializers(context -> context.addListener(new MeshServerFilter.RequestEnd()));
        }
    }

    private static boolean isTomcat(Object factory) {
        for (Class<?> c = factory.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(TOMCAT_FACTORY)) {
                return true;
            }
        }
        return false;
    }
}

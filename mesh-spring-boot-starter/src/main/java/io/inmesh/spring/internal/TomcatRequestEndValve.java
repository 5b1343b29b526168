package io.inmesh.spring.internal;

import io.inmesh.spring.MeshServerFilter;
import jakarta.servlet.ServletException;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.springframework.boot.tomcat.TomcatWebServerFactory;

/**
 * A Tomcat engine valve: once the host's pipeline (error pages and Tomcat's own error report included) is done with a
 * request, ends the mesh's call if it still waits for an error page. Loaded only when Tomcat is the server.
 */
final class TomcatRequestEndValve extends ValveBase {
    TomcatRequestEndValve() {
        super(true);
    }

    static void addTo(Object factory) {
        ((TomcatWebServerFactory) factory).addEngineValves(new TomcatRequestEndValve());
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        try {
            getNext().invoke(request, response);
        } finally {
            MeshServerFilter.RequestEnd.requestOver(request);
        }
    }
}

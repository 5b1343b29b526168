package io.inmesh.spring.bypass;

import io.inmesh.spring.web.WebTestApplication;
import java.util.Map;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** {@link BypassAttempts} against the servlet filter on Tomcat. */
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "mesh.config.locations=src/test/resources/bypass",
                io.inmesh.spring.WithoutSpringTracing.EXCLUDE,
                "management.otlp.metrics.export.enabled=false",
        })
class ServletBypassTest extends BypassAttempts {
    @LocalServerPort
    int port;

    @Override
    int port() {
        return port;
    }

    @Override
    Map<String, String> seen() {
        return WebTestApplication.SEEN;
    }
}

package io.inmesh.spring.bypass;

import io.inmesh.spring.webflux.WebFluxTestApplication;
import java.util.Map;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** {@link BypassAttempts} against the reactive filter on Reactor Netty. */
@SpringBootTest(classes = WebFluxTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.main.web-application-type=reactive",
                "mesh.config.locations=src/test/resources/bypass",
                io.inmesh.spring.WithoutSpringTracing.EXCLUDE,
                "management.otlp.metrics.export.enabled=false",
        })
class ReactiveBypassTest extends BypassAttempts {
    @LocalServerPort
    int port;

    @Override
    int port() {
        return port;
    }

    @Override
    Map<String, String> seen() {
        return WebFluxTestApplication.SEEN;
    }
}

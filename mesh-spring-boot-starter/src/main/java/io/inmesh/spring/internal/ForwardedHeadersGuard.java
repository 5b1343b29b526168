package io.inmesh.spring.internal;

import java.util.Locale;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps the client's address the connection's peer. Spring Boot turns forwarded headers on by itself on Kubernetes
 * ({@code server.forward-headers-strategy} unset: native on a detected cloud platform), and then the servlet
 * container and Reactor Netty take the client's address from {@code X-Forwarded-For}, which every caller can send; an
 * AuthorizationPolicy's {@code source.ipBlocks} would then match what the caller chose. So, with the mesh on:
 * <ul>
 *   <li>strategy unset: it becomes {@code none} (lowest precedence: any setting of the application wins);</li>
 *   <li>strategy {@code native} or {@code framework} without {@code mesh.trust-forwarded-headers=true}: start-up
 *       fails with a message saying so.</li>
 * </ul>
 */
public final class ForwardedHeadersGuard implements EnvironmentPostProcessor {
    static final String STRATEGY = "server.forward-headers-strategy";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!Boolean.parseBoolean(environment.getProperty("mesh.enabled", "true"))) {
            return;
        }
        String strategy = environment.getProperty(STRATEGY);
        if (strategy == null || strategy.isBlank()) {
            environment.getPropertySources().addLast(new MapPropertySource("inmesh-forwarded-headers",
                    Map.of(STRATEGY, "none")));
            return;
        }
        String s = strategy.trim().toLowerCase(Locale.ROOT);
        if (!s.equals("none") && !Boolean.parseBoolean(environment.getProperty("mesh.trust-forwarded-headers",
                "false"))) {
            throw new MeshStartupException(STRATEGY + "=" + strategy + " lets every caller choose its address"
                    + " through X-Forwarded-For, and InMesh matches AuthorizationPolicy source.ipBlocks against the"
                    + " client's address.", "Remove the setting (the mesh uses the connection's peer, as Istio's"
                    + " ipBlocks do), or set mesh.trust-forwarded-headers=true if a trusted proxy in front of this"
                    + " application rewrites those headers and ipBlocks should match the address it forwards.", null);
        }
    }
}

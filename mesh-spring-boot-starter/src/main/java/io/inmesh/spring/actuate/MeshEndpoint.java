package io.inmesh.spring.actuate;

import io.inmesh.Mesh;
import io.inmesh.spring.internal.MeshReport;
import java.time.Clock;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.core.env.Environment;

/**
 * {@code /actuator/mesh}: what the mesh of this application is doing now, as {@code istioctl proxy-config} and
 * {@code proxy-status} show it for a sidecar. The answer holds:
 * <ul>
 *   <li>{@code workload}: namespace, service account, labels, SPIFFE identity, trust domain;</li>
 *   <li>{@code config}: whether a valid configuration was ever loaded, the version (content hash) in force, when it
 *       was applied, and the last rejected change with every diagnostic (file, line, column, resource, field);</li>
 *   <li>{@code routes}: each VirtualService with its HTTP routes (destinations and weights, timeout, retries, faults,
 *       mirrors);</li>
 *   <li>{@code destinations}: the destinations called so far, their endpoints, requests in flight and outlier
 *       ejections;</li>
 *   <li>{@code certificate}: SPIFFE ID, serial number, issuer, validity and the trust anchors, and the last refused
 *       material's reason (null without mTLS);</li>
 *   <li>{@code policies}: the PeerAuthentication mode of the server port and the PeerAuthentications,
 *       AuthorizationPolicies, RequestAuthentications and LocalRateLimits that apply to this workload.</li>
 * </ul>
 * It never shows key material, tokens or inline JWKS. Exposed like any endpoint
 * ({@code management.endpoints.web.exposure.include=health,mesh,prometheus}).
 */
@Endpoint(id = "mesh")
public class MeshEndpoint {
    private final Mesh mesh;
    private final Environment environment;
    private final Clock clock;

    public MeshEndpoint(Mesh mesh, Environment environment) {
        this(mesh, environment, Clock.systemUTC());
    }

    MeshEndpoint(Mesh mesh, Environment environment, Clock clock) {
        this.mesh = mesh;
        this.environment = environment;
        this.clock = clock;
    }

    /** The report (see the class description). */
    @ReadOperation
    public Map<String, Object> mesh() {
        Integer port = environment.getProperty("local.server.port", Integer.class);
        if (port == null) {
            port = environment.getProperty("server.port", Integer.class, 0);
        }
        return MeshReport.of(mesh, port, clock);
    }
}

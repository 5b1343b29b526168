package io.inmesh.spring.actuate;

import io.inmesh.Mesh;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.MeshTls;
import io.inmesh.spring.internal.MeshReport;
import java.time.Clock;
import java.time.Instant;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The mesh's health ({@code /actuator/health/mesh}): DOWN when no valid configuration was ever loaded or the workload
 * certificate has expired (the source could not renew it: calls and handshakes with it fail); UP otherwise. The details
 * give the configuration version, whether the last change was rejected, and the certificate's expiry.
 */
public class MeshHealthIndicator implements HealthIndicator {
    private final Mesh mesh;
    private final Clock clock;

    public MeshHealthIndicator(Mesh mesh) {
        this(mesh, Clock.systemUTC());
    }

    MeshHealthIndicator(Mesh mesh, Clock clock) {
        this.mesh = mesh;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Instant now = clock.instant();
        MeshSnapshot snapshot = mesh.config().current();
        MeshTls tls = mesh.tls();
        Health.Builder b;
        if (!mesh.config().loaded() || snapshot == null) {
            b = Health.down().withDetail("reason", "no valid mesh configuration was ever loaded");
        } else if (MeshReport.expired(tls, now)) {
            b = Health.down().withDetail("reason", "the workload certificate expired at " + tls.current().notAfter()
                    + (tls.lastRejection().map(r -> "; last refused material: " + r).orElse("")));
        } else {
            b = Health.up();
        }
        if (snapshot != null) {
            b.withDetail("configVersion", snapshot.version());
        }
        mesh.config().lastRejection().ifPresent(r -> b.withDetail("lastRejection", r.time() + ": "
                + r.errors().size() + " error(s), first: " + (r.errors().isEmpty() ? "-"
                : r.errors().get(0).format())));
        if (tls != null) {
            b.withDetail("identity", tls.identity().toString());
            b.withDetail("certificateNotAfter", tls.current().notAfter().toString());
        }
        return b.build();
    }
}

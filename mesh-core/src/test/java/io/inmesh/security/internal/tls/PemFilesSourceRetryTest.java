package io.inmesh.security.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.source.WatchOptions;
import io.inmesh.security.CertificateBundle;
import io.inmesh.security.ManualClock;
import io.inmesh.security.ManualScheduler;
import io.inmesh.security.MeshPki;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesSourceRetryTest {
    @TempDir
    Path tmp;

    @Test
    void aLeafNotValidYetIsTakenWhenItBecomesValid() throws Exception {
        ManualClock clock = ManualClock.atNow();
        ManualScheduler scheduler = new ManualScheduler(clock);
        MeshPki pki = new MeshPki(tmp.resolve("ca"), clock);
        Path certs = tmp.resolve("certs");
        CertificateBundle good = pki.issue(MeshPki.SERVER);
        MeshPki.write(certs, good);
        WatchOptions eventsOnly = WatchOptions.builder().pollInterval(Duration.ofHours(1)).build();
        try (PemFilesSource source = PemFilesSource.open(certs, BundleCheck.Names.ISTIO_FILES, eventsOnly, clock,
                scheduler)) {
            // a writer whose clock runs ten minutes ahead
            CertificateBundle early = pki.issue(MeshPki.SERVER, Duration.ofHours(24),
                    clock.instant().plus(Duration.ofMinutes(10)));
            MeshPki.write(certs, early);
            source.reload(false);

            assertThat(source.current()).isEqualTo(good);
            assertThat(source.lastRejection()).hasValueSatisfying(r -> assertThat(r)
                    .startsWith("the leaf certificate in cert-chain.pem is not valid before "
                            + early.leaf().getNotBefore().toInstant()));
            assertThat(scheduler.nextDue()).isEqualTo(early.leaf().getNotBefore().toInstant().plusMillis(1));

            clock.advance(Duration.ofMinutes(10));
            scheduler.runDue();

            assertThat(source.current()).isEqualTo(early);
        }
        assertThat(scheduler.closed()).isTrue();
    }
}

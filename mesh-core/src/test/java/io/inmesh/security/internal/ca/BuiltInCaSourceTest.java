package io.inmesh.security.internal.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.ManualClock;
import io.inmesh.security.ManualScheduler;
import io.inmesh.security.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInCaSourceTest {
    private static final SpiffeId ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static final Duration DAY = Duration.ofHours(24);

    @TempDir
    Path tmp;

    private final ManualClock clock = ManualClock.atNow();
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    /** A "random" source that always returns {@code value} from nextDouble(). */
    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    private BuiltInCaSource start(RandomGenerator random) throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        return BuiltInCaSource.start(ca, ID, DAY, clock, scheduler, random);
    }

    @Test
    void renewsAtHalfLifeAndTellsTheListeners() throws Exception {
        Instant start = clock.instant();
        try (BuiltInCaSource source = start(fixed(0.5))) {
            CertificateBundle first = source.current();
            List<CertificateBundle> heard = new CopyOnWriteArrayList<>();
            source.addListener(heard::add);
            assertThat(first.spiffeId()).isEqualTo(ID);
            assertThat(first.notAfter()).isEqualTo(start.plus(DAY));
            assertThat(source.renewAt()).isEqualTo(start.plus(Duration.ofHours(12)));
            assertThat(scheduler.nextDue()).isEqualTo(start.plus(Duration.ofHours(12)));

            clock.advance(Duration.ofHours(12).minusSeconds(1));
            assertThat(scheduler.runDue()).isZero();
            assertThat(source.current()).isSameAs(first);

            clock.advance(Duration.ofSeconds(1));
            assertThat(scheduler.runDue()).isEqualTo(1);

            CertificateBundle second = source.current();
            assertThat(second.leaf().getSerialNumber()).isNotEqualTo(first.leaf().getSerialNumber());
            assertThat(second.privateKey()).isNotEqualTo(first.privateKey());
            assertThat(second.notAfter()).isEqualTo(clock.instant().plus(DAY));
            assertThat(heard).containsExactly(second);
            assertThat(source.renewAt()).isEqualTo(clock.instant().plus(Duration.ofHours(12)));
            assertThat(source.lastRejection()).isEmpty();
        }
    }

    @Test
    void theJitterIsOnePercentOfTheLifetimeEitherWay() throws Exception {
        Instant start = clock.instant();
        try (BuiltInCaSource early = start(fixed(0.0))) {
            assertThat(early.renewAt()).isEqualTo(start.plus(Duration.ofMillis((long) (DAY.toMillis() * 0.49))));
        }
        try (BuiltInCaSource late = start(fixed(0.999_999))) {
            assertThat(late.renewAt()).isBetween(start.plus(Duration.ofMillis((long) (DAY.toMillis() * 0.5099))),
                    start.plus(Duration.ofMillis((long) (DAY.toMillis() * 0.51))));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20; i++) {
            try (BuiltInCaSource s = start(random)) {
                assertThat(s.renewAt()).isBetween(start.plus(Duration.ofMillis((long) (DAY.toMillis() * 0.49))),
                        start.plus(Duration.ofMillis((long) (DAY.toMillis() * 0.51))));
            }
        }
    }

    @Test
    void aTimerThatFiresEarlyWaitsForTheRest() throws Exception {
        try (BuiltInCaSource source = start(fixed(0.5))) {
            CertificateBundle first = source.current();
            Instant due = source.renewAt();

            source.renew(); // as if the timer fired while the clock says 12 h are not over

            assertThat(source.current()).isSameAs(first);
            assertThat(scheduler.nextDue()).isEqualTo(due);
        }
    }

    @Test
    void aFailedRenewalKeepsTheCertificateSaysWhyAndRetries() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);
        Instant caEnd = ca.signingCertificate().getNotAfter().toInstant();
        clock.set(caEnd.minus(Duration.ofHours(2)));
        try (BuiltInCaSource source = BuiltInCaSource.start(ca, ID, DAY, clock, scheduler, fixed(0.5))) {
            CertificateBundle first = source.current();
            assertThat(first.notAfter()).as("cut to the CA's expiry").isEqualTo(caEnd);
            assertThat(source.renewAt()).isEqualTo(caEnd.minus(Duration.ofHours(1)));

            clock.set(caEnd.plusSeconds(1));
            scheduler.runDue();

            assertThat(source.current()).isSameAs(first);
            assertThat(source.lastRejection()).hasValueSatisfying(r -> assertThat(r)
                    .startsWith("renewing the certificate for " + ID + " failed: ")
                    .contains("the CA certificate expired at " + caEnd)
                    .endsWith("; retrying in 60 s"));
            assertThat(scheduler.nextDue()).isEqualTo(clock.instant().plus(BuiltInCaSource.RETRY));
        }
    }

    @Test
    void closingStopsRenewal() throws Exception {
        BuiltInCaSource source = start(fixed(0.5));
        CertificateBundle first = source.current();
        source.close();

        clock.advance(DAY);
        scheduler.runDue();
        source.renew();

        assertThat(source.current()).isSameAs(first);
        assertThat(scheduler.closed()).isTrue();
    }

    @Test
    void refusesAnIdentityOutsideTheCasTrustDomain() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(tmp, "cluster.local", clock);

        assertThatThrownBy(() -> BuiltInCaSource.start(ca, SpiffeId.parse("spiffe://other.org/ns/a/sa/b"), DAY, clock,
                scheduler, fixed(0.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("signs for trust domain cluster.local");
    }
}

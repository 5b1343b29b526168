package io.inmesh.security.internal.ca;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.tls.BundleCheck;
import io.inmesh.security.internal.tls.InvalidMaterialException;
import io.inmesh.security.internal.tls.Scheduler;
import io.inmesh.security.internal.tls.SourceSupport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Workload certificates from the built-in CA, renewed at half their lifetime with a little jitter (the lifetime
 * counted from issuance, not from the back-dated notBefore): Istio's grace period ratio 0.5, jittered by up to
 * &plusmn;{@value #JITTER} of the lifetime (Istio's default jitter), so that workloads started together do not renew
 * together. A renewal that fails (the CA expired) is reported as a rejection and retried every
 * {@link #RETRY}; the current certificate serves meanwhile.
 */
public final class BuiltInCaSource extends SourceSupport {
    static final double RENEW_AT = 0.5;
    static final double JITTER = 0.01;
    static final Duration RETRY = Duration.ofMinutes(1);

    private final CertificateAuthority ca;
    private final SpiffeId id;
    private final Duration ttl;
    private final Clock clock;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final Object lock = new Object();
    private Instant renewAt;
    private Scheduler.Task task;
    private boolean closed;

    private BuiltInCaSource(CertificateAuthority ca, SpiffeId id, Duration ttl, Clock clock, Scheduler scheduler,
                            RandomGenerator random, CertificateBundle first, Instant issuedAt) {
        super(first);
        this.ca = ca;
        this.id = id;
        this.ttl = ttl;
        this.clock = clock;
        this.scheduler = scheduler;
        this.random = random;
        this.renewAt = renewalTime(first, issuedAt, random);
    }

    /**
     * Issues the first certificate and schedules its renewal.
     *
     * @throws IllegalArgumentException when {@code id} is outside the CA's trust domain or {@code ttl} is not positive
     * @throws InvalidMaterialException when the CA cannot issue (expired)
     */
    public static BuiltInCaSource start(CertificateAuthority ca, SpiffeId id, Duration ttl, Clock clock,
                                        Scheduler scheduler, RandomGenerator random) throws InvalidMaterialException {
        Objects.requireNonNull(id, "id");
        Instant now = clock.instant();
        CertificateBundle first = issue(ca, id, ttl, now);
        BuiltInCaSource source = new BuiltInCaSource(ca, id, ttl, clock, scheduler, random, first, now);
        synchronized (source.lock) {
            source.scheduleAt(source.renewAt);
        }
        return source;
    }

    private static CertificateBundle issue(CertificateAuthority ca, SpiffeId id, Duration ttl, Instant now)
            throws InvalidMaterialException {
        CertificateBundle bundle = ca.issue(id, ttl, now);
        BundleCheck.check(bundle, now, BundleCheck.Names.ROLES); // what this CA issues must pass what peers check
        return bundle;
    }

    /** When a certificate issued at {@code issuedAt} is renewed: half its lifetime, jittered. */
    static Instant renewalTime(CertificateBundle bundle, Instant issuedAt, RandomGenerator random) {
        Duration lifetime = Duration.between(issuedAt, bundle.notAfter());
        double ratio = RENEW_AT + (random.nextDouble() * 2 - 1) * JITTER;
        return issuedAt.plusMillis((long) (lifetime.toMillis() * ratio));
    }

    @Override
    public String description() {
        return "built-in CA " + ca.dir() + " for " + id;
    }

    /** When the current certificate is due for renewal. */
    public Instant renewAt() {
        synchronized (lock) {
            return renewAt;
        }
    }

    private void scheduleAt(Instant at) {
        Duration delay = Duration.between(clock.instant(), at);
        task = scheduler.schedule(this::renew, delay);
    }

    /** Renews when due; a timer that fired early (the clock moved differently) waits for the rest. */
    void renew() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            Instant now = clock.instant();
            if (now.isBefore(renewAt)) {
                scheduleAt(renewAt);
                return;
            }
            CertificateBundle next;
            try {
                next = issue(ca, id, ttl, now);
            } catch (InvalidMaterialException | RuntimeException e) {
                reject("renewing the certificate for " + id + " failed: " + e.getMessage() + "; retrying in "
                        + RETRY.toSeconds() + " s");
                renewAt = now.plus(RETRY);
                scheduleAt(renewAt);
                return;
            }
            renewAt = renewalTime(next, now, random);
            scheduleAt(renewAt);
            swap(next);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (task != null) {
                task.cancel();
            }
        }
        scheduler.close();
    }
}

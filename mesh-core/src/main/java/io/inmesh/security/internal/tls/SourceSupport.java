package io.inmesh.security.internal.tls;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.CertificateSource;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What every {@link CertificateSource} here shares: the current bundle (a volatile reference), listeners, and the
 * last rejection. Subclasses call {@link #swap} and {@link #reject} from their one update thread.
 */
public abstract class SourceSupport implements CertificateSource {
    protected static final System.Logger LOG = System.getLogger("io.inmesh.security");

    private final List<Consumer<CertificateBundle>> listeners = new CopyOnWriteArrayList<>();
    private volatile CertificateBundle current;
    private volatile String lastRejection;
    private String lastLoggedRejection;

    protected SourceSupport(CertificateBundle initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    /** For log lines: {@code built-in CA /var/lib/inmesh/ca}, {@code PEM files /etc/certs}. */
    public abstract String description();

    @Override
    public final CertificateBundle current() {
        return current;
    }

    @Override
    public final Optional<String> lastRejection() {
        return Optional.ofNullable(lastRejection);
    }

    @Override
    public final AutoCloseable addListener(Consumer<CertificateBundle> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Makes {@code next} (checked) current, logs it, and tells the listeners. */
    protected final void swap(CertificateBundle next) {
        current = next;
        lastLoggedRejection = null;
        LOG.log(Level.INFO, () -> description() + ": new certificate " + next);
        for (Consumer<CertificateBundle> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, description() + ": certificate listener " + l + " failed", e);
            }
        }
    }

    /** Records that material was refused, and logs it once per distinct reason; the current bundle stays. */
    protected final void reject(String reason) {
        lastRejection = reason;
        if (!reason.equals(lastLoggedRejection)) {
            lastLoggedRejection = reason;
            LOG.log(Level.WARNING, () -> description() + ": refused new material, keeping the certificate "
                    + current + ": " + reason);
        }
    }

    @Override
    public String toString() {
        return description();
    }
}

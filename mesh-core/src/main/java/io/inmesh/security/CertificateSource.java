package io.inmesh.security;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where a workload's key and certificates come from: the built-in CA, or PEM files that something else (cert-manager,
 * an Istio-mounted secret, a SPIRE helper) keeps up to date. Create one with {@link CertificateSources}; hand it to
 * {@link MeshTls}.
 *
 * <p>A source always has material: it is created with a valid bundle (or its factory throws), and it replaces that
 * bundle only with another valid one. Material it refuses (a bad file on disk, a renewal that failed) leaves the
 * current bundle in place and is reported by {@link #lastRejection()}.
 *
 * <h2>Threads</h2>
 * {@link #current()} is a volatile read, safe from any thread. Listeners run on the source's own thread (its file
 * watch, its renewal timer), one swap at a time, after the swap; an exception a listener throws is logged and the
 * others still run.
 */
public interface CertificateSource extends AutoCloseable {

    /** The material in force now; never null. */
    CertificateBundle current();

    /**
     * Registers a listener called with each new bundle after it replaced the previous one (not with the bundle current
     * at registration). Closing the returned handle removes it.
     */
    AutoCloseable addListener(Consumer<CertificateBundle> listener);

    /**
     * Why the most recent material this source refused was refused, naming what was wrong; empty when nothing was
     * ever refused. The refusal is kept after later successful swaps, as the config plane keeps its last rejection.
     */
    default Optional<String> lastRejection() {
        return Optional.empty();
    }

    /** Stops watching or renewing; {@link #current()} keeps returning the last bundle. Idempotent. */
    @Override
    void close();
}

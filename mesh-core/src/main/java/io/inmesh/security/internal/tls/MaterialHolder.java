package io.inmesh.security.internal.tls;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.SpiffeId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The material in force, swapped whole: one volatile reference to the current material and the one before it. The
 * key manager and the trust managers read it once per call; the previous material stays reachable by its alias so a
 * handshake that chose its alias just before a swap completes with a consistent key and chain.
 */
public final class MaterialHolder {
    private record Pair(TlsMaterial current, TlsMaterial previous) {
    }

    private final AtomicLong generations = new AtomicLong();
    private volatile Pair pair;

    public MaterialHolder(CertificateBundle initial, SpiffeId id) {
        this.pair = new Pair(new TlsMaterial(initial, id, generations.incrementAndGet()), null);
    }

    public TlsMaterial current() {
        return pair.current();
    }

    /** The material with {@code alias}, current or previous, or null. */
    public TlsMaterial byAlias(String alias) {
        Pair p = pair;
        if (p.current().alias().equals(alias)) {
            return p.current();
        }
        return p.previous() != null && p.previous().alias().equals(alias) ? p.previous() : null;
    }

    /** Makes {@code bundle} (already checked) current. Serialised by the caller. */
    public synchronized TlsMaterial swap(CertificateBundle bundle, SpiffeId id) {
        TlsMaterial next = new TlsMaterial(bundle, id, generations.incrementAndGet());
        pair = new Pair(next, pair.current());
        return next;
    }
}

package io.inmesh.security.internal.tls;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Set;

/**
 * One checked bundle, prepared for the handshake: the key manager's alias (unique per generation, so an alias chosen
 * before a swap still finds its own key and chain after it), the chain as an array, the trust anchors.
 */
public final class TlsMaterial {
    private final CertificateBundle bundle;
    private final SpiffeId id;
    private final String alias;
    private final X509Certificate[] chain;
    private final Set<TrustAnchor> anchors;
    private final X509Certificate[] acceptedIssuers;

    public TlsMaterial(CertificateBundle bundle, SpiffeId id, long generation) {
        this.bundle = bundle;
        this.id = id;
        this.alias = "inmesh-" + generation;
        this.chain = bundle.chain().toArray(new X509Certificate[0]);
        this.anchors = PkixChain.anchors(bundle.trustAnchors());
        this.acceptedIssuers = bundle.trustAnchors().toArray(new X509Certificate[0]);
    }

    public CertificateBundle bundle() {
        return bundle;
    }

    public SpiffeId id() {
        return id;
    }

    public String alias() {
        return alias;
    }

    public String keyAlgorithm() {
        return bundle.privateKey().getAlgorithm();
    }

    public PrivateKey privateKey() {
        return bundle.privateKey();
    }

    /** A copy: JSSE callers may keep or change the array. */
    public X509Certificate[] chain() {
        return chain.clone();
    }

    public Set<TrustAnchor> anchors() {
        return anchors;
    }

    /** A copy of the trust anchors' certificates. */
    public X509Certificate[] acceptedIssuers() {
        return acceptedIssuers.clone();
    }

    @Override
    public String toString() {
        return "TlsMaterial[" + alias + ", " + bundle + "]";
    }
}

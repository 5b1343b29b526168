package io.inmesh.security;

import io.inmesh.security.internal.tls.Svid;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload's key and certificates: what a {@link CertificateSource} hands to {@link MeshTls}. Istio writes the same
 * three parts to disk as {@code key.pem}, {@code cert-chain.pem} and {@code root-cert.pem}.
 *
 * <p>The constructor checks only the shape (nothing null, no empty list). Whether the material is usable (the key
 * matches the leaf, the chain verifies to a trust anchor, the leaf is a valid X.509-SVID and currently valid) is
 * checked by the sources and by {@link MeshTls}, which refuse it otherwise. {@link #toString()} never shows the key.
 *
 * @param privateKey   the leaf's private key
 * @param chain        the certificate chain sent to peers, leaf first, then the intermediates (the root may be
 *                     left out)
 * @param trustAnchors the root certificates that peers' chains must verify to (the trust bundle)
 */
public record CertificateBundle(PrivateKey privateKey, List<X509Certificate> chain,
                                List<X509Certificate> trustAnchors) {

    public CertificateBundle {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
        trustAnchors = List.copyOf(Objects.requireNonNull(trustAnchors, "trustAnchors"));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain is empty: expected the leaf certificate first");
        }
        if (trustAnchors.isEmpty()) {
            throw new IllegalArgumentException("trustAnchors is empty: expected at least one root certificate");
        }
    }

    /** The workload's own certificate, the first of the chain. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * The SPIFFE ID in the leaf's single URI SAN.
     *
     * @throws IllegalStateException when the leaf does not carry exactly one URI SAN holding a valid SPIFFE ID (the
     *                               sources and {@link MeshTls} never hand out such a bundle)
     */
    public SpiffeId spiffeId() {
        try {
            return Svid.spiffeId(leaf());
        } catch (CertificateException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** When the leaf certificate expires. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Names the leaf (subject alternative name, serial, validity) and counts the certificates; never the key. */
    @Override
    public String toString() {
        X509Certificate leaf = leaf();
        return "CertificateBundle[id=" + Svid.describeUris(leaf) + ", serial=" + leaf.getSerialNumber().toString(16)
                + ", notBefore=" + leaf.getNotBefore().toInstant() + ", notAfter=" + notAfter() + ", chain="
                + chain.size() + ", trustAnchors=" + trustAnchors.size() + ", privateKey=(" + privateKey.getAlgorithm()
                + ", not shown)]";
    }
}

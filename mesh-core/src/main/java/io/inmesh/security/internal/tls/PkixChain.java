package io.inmesh.security.internal.tls;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies a certificate chain against trust anchors with the JDK's PKIX validator at a given time: signatures,
 * validity periods, CA constraints, path length, critical extensions and the JDK's disabled algorithms. No revocation
 * check (mesh certificates are short-lived), no host name check. Failures become a {@link CertificateException} whose
 * message names the certificate and what is wrong.
 */
public final class PkixChain {
    private PkixChain() {
    }

    /** Trust anchors for the certificates of a bundle. */
    public static Set<TrustAnchor> anchors(List<X509Certificate> roots) {
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate root : roots) {
            anchors.add(new TrustAnchor(root, null));
        }
        return Set.copyOf(anchors);
    }

    /**
     * Verifies {@code chain} (leaf first) to one of {@code anchors} at {@code at}. A trailing certificate that is
     * itself a trust anchor (a sender may include the root) is left out of the path.
     */
    public static void verify(List<X509Certificate> chain, Set<TrustAnchor> anchors, Instant at)
            throws CertificateException {
        if (chain.isEmpty()) {
            throw new CertificateException("empty certificate chain");
        }
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && isAnchor(path.get(path.size() - 1), anchors)) {
            path.remove(path.size() - 1);
        }
        CertPath certPath;
        PKIXParameters params;
        try {
            certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            params = new PKIXParameters(anchors);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateException("no trust anchors to verify against", e);
        }
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        try {
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            throw new CertificateException(explain(e, path, at), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot verify the certificate chain: " + e.getMessage(), e);
        }
    }

    private static boolean isAnchor(X509Certificate cert, Set<TrustAnchor> anchors) {
        for (TrustAnchor a : anchors) {
            if (cert.equals(a.getTrustedCert())) {
                return true;
            }
        }
        return false;
    }

    private static String explain(CertPathValidatorException e, List<X509Certificate> path, Instant at) {
        int index = e.getIndex();
        X509Certificate cert = index >= 0 && index < path.size() ? path.get(index) : null;
        String which = cert == null ? "a certificate of the chain" : "certificate " + Svid.describe(cert);
        if (e.getReason() == BasicReason.EXPIRED && cert != null) {
            return which + " expired at " + cert.getNotAfter().toInstant() + " (now " + at + ")";
        }
        if (e.getReason() == BasicReason.NOT_YET_VALID && cert != null) {
            return which + " is not valid before " + cert.getNotBefore().toInstant() + " (now " + at + ")";
        }
        if (e.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
            X509Certificate top = path.get(path.size() - 1);
            return "the chain does not verify to any trust anchor: no trusted root signed "
                    + Svid.describe(top) + " (issuer '" + top.getIssuerX500Principal().getName() + "')";
        }
        if (e.getReason() == BasicReason.INVALID_SIGNATURE) {
            if (cert != null && index == path.size() - 1) {
                return "the signature on " + which + " does not verify with the key of the trust anchor '"
                        + cert.getIssuerX500Principal().getName() + "': another CA of the same name signed it";
            }
            return "the signature on " + which + " does not verify with its issuer's key (the next certificate of"
                    + " the chain)";
        }
        if (e.getReason() == PKIXReason.NOT_CA_CERT) {
            return which + " signs another certificate of the chain but is not a CA certificate";
        }
        return which + ": " + e.getMessage();
    }
}

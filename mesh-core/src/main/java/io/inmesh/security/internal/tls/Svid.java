package io.inmesh.security.internal.tls;

import io.inmesh.security.SpiffeId;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The X.509-SVID rules for a workload (leaf) certificate: exactly one URI SAN, a {@code spiffe://} ID; not a CA
 * ({@code CA:FALSE}, no {@code keyCertSign} or {@code cRLSign}); {@code digitalSignature} when key usage is present.
 * Messages start with the {@code what} the caller passes ("the leaf certificate in cert-chain.pem", "the peer's
 * certificate").
 */
public final class Svid {
    /** {@code GeneralName} tag of a URI, as {@link X509Certificate#getSubjectAlternativeNames()} reports it. */
    private static final int URI = 6;
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;
    /** extendedKeyUsage OIDs. */
    public static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    public static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private Svid() {
    }

    /** The SPIFFE ID of a leaf, {@code what} being "the leaf certificate". */
    public static SpiffeId spiffeId(X509Certificate leaf) throws CertificateException {
        return spiffeId(leaf, "the leaf certificate");
    }

    /**
     * The SPIFFE ID in the single URI SAN of {@code cert}.
     *
     * @throws CertificateException when it has no URI SAN, several, or one that is not a valid SPIFFE ID
     */
    public static SpiffeId spiffeId(X509Certificate cert, String what) throws CertificateException {
        List<String> uris = uriSans(cert);
        if (uris.isEmpty()) {
            throw new CertificateException(what + " has no URI SAN: an X.509-SVID carries exactly one spiffe:// URI"
                    + " SAN (spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT)");
        }
        if (uris.size() > 1) {
            throw new CertificateException(what + " has " + uris.size() + " URI SANs (" + String.join(", ", uris)
                    + "): an X.509-SVID carries exactly one spiffe:// URI SAN");
        }
        try {
            return SpiffeId.parse(uris.get(0));
        } catch (IllegalArgumentException e) {
            throw new CertificateException(what + " has the URI SAN " + quote(uris.get(0)) + ", not a valid SPIFFE ID: "
                    + e.getMessage());
        }
    }

    /** The URI SANs of {@code cert}, in order; empty when it has none. */
    public static List<String> uriSans(X509Certificate cert) throws CertificateParsingException {
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        List<String> uris = new ArrayList<>();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && san.get(0) instanceof Integer tag && tag == URI) {
                    uris.add(String.valueOf(san.get(1)));
                }
            }
        }
        return uris;
    }

    /** The URI SANs for a log line or {@code toString()}: one URI, or a bracketed list, or {@code (no URI SAN)}. */
    public static String describeUris(X509Certificate cert) {
        try {
            List<String> uris = uriSans(cert);
            return uris.isEmpty() ? "(no URI SAN)" : uris.size() == 1 ? uris.get(0) : uris.toString();
        } catch (CertificateParsingException e) {
            return "(unparseable subject alternative names)";
        }
    }

    /**
     * Refuses a CA certificate (or one allowed to sign certificates or CRLs) used as a workload certificate, and one
     * whose key usage leaves out digitalSignature (TLS 1.3 signs the handshake with it).
     */
    public static void checkNotCa(X509Certificate leaf, String what) throws CertificateException {
        if (leaf.getBasicConstraints() != -1) {
            throw new CertificateException(what + " is a CA certificate (basicConstraints CA:TRUE): a workload"
                    + " certificate must have CA:FALSE");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null) {
            if (bit(usage, KEY_CERT_SIGN) || bit(usage, CRL_SIGN)) {
                throw new CertificateException(what + " may sign certificates or CRLs (keyUsage keyCertSign or"
                        + " cRLSign): a workload certificate must not");
            }
            if (!bit(usage, DIGITAL_SIGNATURE)) {
                throw new CertificateException(what + " lacks keyUsage digitalSignature, which TLS needs");
            }
        }
    }

    /** Refuses a certificate whose extendedKeyUsage, when present, leaves out {@code purpose}. */
    public static void checkExtendedKeyUsage(X509Certificate leaf, String purpose, String what)
            throws CertificateException {
        List<String> eku = leaf.getExtendedKeyUsage();
        if (eku != null && !eku.contains(purpose) && !eku.contains(ANY_EXTENDED_KEY_USAGE)) {
            throw new CertificateException(what + " lacks extendedKeyUsage " + purposeName(purpose)
                    + " (it has " + eku.stream().map(Svid::purposeName).toList() + ")");
        }
    }

    private static String purposeName(String oid) {
        switch (oid) {
            case SERVER_AUTH:
                return "serverAuth";
            case CLIENT_AUTH:
                return "clientAuth";
            default:
                return oid;
        }
    }

    private static boolean bit(boolean[] bits, int i) {
        return bits.length > i && bits[i];
    }

    /** A certificate in a message: its subject (or URI SAN when the subject is empty) and serial number. */
    public static String describe(X509Certificate cert) {
        String subject = cert.getSubjectX500Principal().getName();
        String name = subject.isEmpty() ? describeUris(cert) : "'" + subject + "'";
        return name + " (serial " + cert.getSerialNumber().toString(16) + ")";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}

package io.inmesh.okhttp.internal;

import io.inmesh.security.internal.tls.Svid;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Handshake;

/**
 * The SPIFFE ID of a server's leaf certificate, for the try's span, parsed once per certificate rather than once per
 * response: cached by the certificate itself (equal certificates are the same encoded bytes, so a cached ID is always
 * that of the exact certificate), bounded as {@code MeshTls}'s cache of verified chains is. Nothing here verifies
 * anything: the TLS handshake did that before the response arrived.
 */
final class PeerIds {
    static final int MAX_ENTRIES = 1024;
    /** Cached for a leaf without a valid SPIFFE ID (a SPIFFE ID is never empty). */
    private static final String NONE = "";

    private final ConcurrentHashMap<X509Certificate, String> ids = new ConcurrentHashMap<>();

    /** The SPIFFE ID of the handshake's leaf certificate (the single URI SAN the mesh's SVIDs carry), or null. */
    String of(Handshake handshake) {
        List<Certificate> certs = handshake.peerCertificates();
        if (certs.isEmpty() || !(certs.get(0) instanceof X509Certificate leaf)) {
            return null;
        }
        return of(leaf);
    }

    /** The SPIFFE ID of {@code leaf}, or null when it carries none (or not exactly one). */
    String of(X509Certificate leaf) {
        String id = ids.get(leaf);
        if (id == null) {
            id = parse(leaf);
            if (ids.size() >= MAX_ENTRIES) {
                ids.clear(); // bounded: a burst of distinct servers costs parsing, never memory
            }
            ids.put(leaf, id);
        }
        return id.isEmpty() ? null : id;
    }

    private static String parse(X509Certificate leaf) {
        try {
            return Svid.spiffeId(leaf).uri();
        } catch (CertificateException e) {
            return NONE;
        }
    }
}

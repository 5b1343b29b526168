package io.inmesh.security.internal.tls;

import io.inmesh.security.SpiffeId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a peer by SPIFFE ID, never by host name: the chain must verify (PKIX, at the injected clock's time) to the
 * current trust anchors; the leaf must not be a CA certificate, must allow the peer's role (extendedKeyUsage clientAuth
 * for a client, serverAuth for a server, when present) and must carry exactly one URI SAN, a SPIFFE ID in this
 * workload's trust domain. A server's ID must further be one of the expected IDs, when any are given.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {
    private final MaterialHolder holder;
    private final Clock clock;
    private final Set<SpiffeId> expectedServerIds;

    /**
     * @param expectedServerIds the server IDs a client accepts; empty: any ID of the trust domain
     */
    public SpiffeTrustManager(MaterialHolder holder, Clock clock, Set<SpiffeId> expectedServerIds) {
        this.holder = holder;
        this.clock = clock;
        this.expectedServerIds = Set.copyOf(expectedServerIds);
    }

    /** Checks a client's chain and returns its SPIFFE ID. */
    public SpiffeId verifyClient(X509Certificate[] chain) throws CertificateException {
        return verify(chain, "client", Svid.CLIENT_AUTH, Set.of());
    }

    /** Checks a server's chain, including the expected IDs, and returns its SPIFFE ID. */
    public SpiffeId verifyServer(X509Certificate[] chain) throws CertificateException {
        return verify(chain, "server", Svid.SERVER_AUTH, expectedServerIds);
    }

    private SpiffeId verify(X509Certificate[] chain, String peer, String purpose, Set<SpiffeId> expected)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the " + peer + " sent no certificate");
        }
        TlsMaterial m = holder.current();
        String what = "the " + peer + "'s certificate " + Svid.describe(chain[0]);
        List<X509Certificate> list = Arrays.asList(chain);
        try {
            PkixChain.verify(list, m.anchors(), clock.instant());
        } catch (CertificateException e) {
            throw new CertificateException("the " + peer + "'s certificate chain is not trusted: " + e.getMessage(), e);
        }
        Svid.checkNotCa(chain[0], what);
        Svid.checkExtendedKeyUsage(chain[0], purpose, what);
        SpiffeId id = Svid.spiffeId(chain[0], what);
        String trustDomain = m.id().trustDomain();
        if (!id.trustDomain().equals(trustDomain)) {
            throw new CertificateException("the " + peer + "'s SPIFFE ID " + id + " is in trust domain "
                    + id.trustDomain() + ", expected " + trustDomain);
        }
        if (!expected.isEmpty() && !expected.contains(id)) {
            throw new CertificateException("the " + peer + "'s SPIFFE ID " + id + " is not one of the expected "
                    + (expected.size() == 1 ? "identity " : "identities ") + expected.stream().map(SpiffeId::uri)
                    .sorted().toList());
        }
        return id;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return holder.current().acceptedIssuers();
    }
}

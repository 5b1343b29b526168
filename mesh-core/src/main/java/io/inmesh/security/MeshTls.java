package io.inmesh.security;

import io.inmesh.security.internal.tls.BundleCheck;
import io.inmesh.security.internal.tls.InvalidMaterialException;
import io.inmesh.security.internal.tls.MaterialHolder;
import io.inmesh.security.internal.tls.MeshKeyManager;
import io.inmesh.security.internal.tls.ProtocolSocketFactory;
import io.inmesh.security.internal.tls.SpiffeTrustManager;
import io.inmesh.security.internal.tls.Svid;
import io.inmesh.security.internal.tls.TlsMaterial;
import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The mesh's TLS: JSSE contexts whose key and trust material follow a {@link CertificateSource}, and whose peers are
 * verified by SPIFFE ID rather than host name.
 *
 * <h2>Rotation</h2>
 * The contexts hold a key manager and trust managers that read one volatile snapshot of the material per call, so a
 * new bundle from the source applies to every new handshake of every context already handed out (and of server
 * sockets already listening), while connections already established go on undisturbed. On a swap, the sessions
 * cached by these contexts are invalidated, so later connections do full handshakes with the new material; sessions
 * last at most {@link #SESSION_TIMEOUT_SECONDS} seconds. A TLS 1.3 session resumed from a ticket keeps the
 * certificates of its first full handshake, so both sides check them again: servers with {@link #verifiedPeer}, clients
 * with {@link ClientSide#hostnameVerifier()} (which also moves a client to a new context once the server's
 * certificate is past three quarters of its validity). A bundle that fails the checks (expired or not yet valid, a
 * key that does not match the leaf, a chain that does not verify to the trust anchors, a leaf without exactly one
 * {@code spiffe://} URI SAN, a CA certificate as leaf) is refused: the last good material stays, and
 * {@link #lastRejection()} says why.
 *
 * <h2>Peer verification</h2>
 * Both sides check the peer's chain against the current trust anchors (PKIX, no host name check), refuse a CA
 * certificate as leaf, require the peer's extended key usage to allow its role (when present), and require exactly
 * one URI SAN: a SPIFFE ID in this workload's trust domain. A client further checks the server's ID against the
 * expected set given to {@link #clientSide(Set)}. Protocols: TLS 1.3, then TLS 1.2; nothing older.
 *
 * <p>Private keys are never logged and never part of any {@code toString()}.
 */
public final class MeshTls implements AutoCloseable {
    /** How long a TLS session may be resumed: one hour, well inside a workload certificate's lifetime. */
    public static final int SESSION_TIMEOUT_SECONDS = 3600;
    private static final System.Logger LOG = System.getLogger("io.inmesh.security");

    private final CertificateSource source;
    private final Clock clock;
    private final MaterialHolder holder;
    private final MeshKeyManager keyManager;
    private final SpiffeTrustManager trustManager;
    private final SSLContext serverContext;
    private final ConcurrentMap<Set<SpiffeId>, ClientSide> clientSides = new ConcurrentHashMap<>();
    private final AutoCloseable listener;
    private final java.util.List<java.util.function.Consumer<CertificateBundle>> swapListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String ownRejection;
    private volatile Optional<String> sourceRejectionAtOwn = Optional.empty();

    private MeshTls(CertificateSource source, Clock clock) {
        this.source = source;
        this.clock = clock;
        CertificateBundle initial = source.current();
        SpiffeId id;
        try {
            id = BundleCheck.check(initial, clock.instant(), BundleCheck.Names.ROLES);
        } catch (InvalidMaterialException e) {
            throw new IllegalArgumentException("the certificate source's material cannot be used: "
                    + e.getMessage());
        }
        this.holder = new MaterialHolder(initial, id);
        this.keyManager = new MeshKeyManager(holder);
        this.trustManager = new SpiffeTrustManager(holder, clock, Set.of());
        this.serverContext = newContext(trustManager);
        this.listener = source.addListener(this::accept);
    }

    /** TLS over {@code source}'s material, checking validity periods on the system clock. */
    public static MeshTls create(CertificateSource source) {
        return create(source, Clock.systemUTC());
    }

    /**
     * TLS over {@code source}'s material, checking validity periods (own material and peers') at {@code clock}'s time.
     *
     * @throws IllegalArgumentException when the source's current material fails the checks, naming what is wrong
     */
    public static MeshTls create(CertificateSource source, Clock clock) {
        return new MeshTls(Objects.requireNonNull(source, "source"), Objects.requireNonNull(clock, "clock"));
    }

    private SSLContext newContext(SpiffeTrustManager tm) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager}, new TrustManager[] {tm}, null);
            context.getClientSessionContext().setSessionTimeout(SESSION_TIMEOUT_SECONDS);
            context.getServerSessionContext().setSessionTimeout(SESSION_TIMEOUT_SECONDS);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS provider is not available", e);
        }
    }

    private void accept(CertificateBundle bundle) {
        TlsMaterial before = holder.current();
        SpiffeId id;
        try {
            id = BundleCheck.check(bundle, clock.instant(), BundleCheck.Names.ROLES);
        } catch (InvalidMaterialException e) {
            sourceRejectionAtOwn = source.lastRejection();
            ownRejection = e.getMessage();
            LOG.log(Level.WARNING, () -> "InMesh TLS refused new material from " + source + ", keeping " + before.bundle()
                    + ": " + e.getMessage());
            return;
        }
        if (!id.equals(before.id())) {
            LOG.log(Level.WARNING, () -> "InMesh TLS identity changes from " + before.id() + " to " + id);
        }
        holder.swap(bundle, id);
        invalidateSessions(serverContext);
        clientSides.values().forEach(side -> invalidateSessions(side.context));
        // New client contexts (with empty session caches) for later calls: invalidating cached sessions does not
        // stop the JDK from resuming TLS 1.3 sessions from tickets, and a resumed session keeps the old
        // certificates. Connections already made with the old factories keep working until they close.
        clientSides.clear();
        for (java.util.function.Consumer<CertificateBundle> l : swapListeners) {
            try {
                l.accept(bundle);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, () -> "InMesh TLS: a listener failed on the new material " + bundle + ": "
                        + e);
            }
        }
    }

    /**
     * Registers a listener called with each new bundle after this object took it (new handshakes use it), on the
     * source's thread; material this object refused is not passed on. For what serves the material elsewhere (a web
     * server's TLS configuration). Closing the returned handle removes the listener.
     */
    public AutoCloseable addListener(java.util.function.Consumer<CertificateBundle> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        swapListeners.add(listener);
        return () -> swapListeners.remove(listener);
    }

    private static void invalidateSessions(SSLContext context) {
        for (SSLSessionContext sessions : new SSLSessionContext[] {context.getClientSessionContext(),
                context.getServerSessionContext()}) {
            Enumeration<byte[]> ids = sessions.getIds();
            for (byte[] sessionId : Collections.list(ids)) {
                SSLSession s = sessions.getSession(sessionId);
                if (s != null) {
                    s.invalidate();
                }
            }
        }
    }

    /**
     * The context for the server side. Its key and trust material follow the source. Configure each server socket or
     * engine with {@link #serverParameters(boolean)}: the context itself does not ask for client certificates.
     */
    public SSLContext serverContext() {
        return serverContext;
    }

    /**
     * Parameters for a server socket or engine of {@link #serverContext()}: TLS 1.3 and 1.2, and client certificates
     * required ({@code STRICT} mTLS) or requested but optional ({@code PERMISSIVE}: a client that presents one is
     * verified and identified, one that does not gets through without an identity).
     */
    public SSLParameters serverParameters(boolean requireClientCert) {
        SSLParameters p = serverContext.getDefaultSSLParameters();
        p.setProtocols(ProtocolSocketFactory.protocols(serverContext.getSupportedSSLParameters().getProtocols()));
        p.setEndpointIdentificationAlgorithm(null);
        if (requireClientCert) {
            p.setNeedClientAuth(true);
        } else {
            p.setWantClientAuth(true);
        }
        return p;
    }

    /**
     * A client context that presents this workload's certificate and accepts a server only when its SPIFFE ID is one
     * of {@code expectedServerIds} (empty: any ID of the trust domain): {@link #clientSide(Set)}'s context. For
     * clients that take an {@link SSLContext} (the JDK's HttpClient, SSLEngine based ones), which cannot re-check a
     * resumed session's server certificate; socket clients use {@link #clientSide(Set)}'s factory and verifier.
     */
    public SSLContext clientContext(Set<SpiffeId> expectedServerIds) {
        return clientSide(expectedServerIds).context;
    }

    /**
     * {@link #clientSide(Set)}'s socket factory: for clients that verify no host name on their own (a raw
     * {@link javax.net.ssl.SSLSocket}). An HTTP client uses the factory together with the side's
     * {@link ClientSide#hostnameVerifier() verifier}.
     */
    public SSLSocketFactory clientSocketFactory(Set<SpiffeId> expectedServerIds) {
        return clientSide(expectedServerIds).factory;
    }

    /**
     * The client TLS for servers whose SPIFFE ID is one of {@code expectedServerIds} (the DestinationRule's
     * {@code subjectAltNames}, or the service account of the endpoint; empty: any ID of the trust domain): a socket
     * factory presenting this workload's certificate, whose sockets speak TLS 1.3 or 1.2 and check the server's ID in
     * the handshake (no host name), and the host name verifier to use with it. The same side is returned for the same
     * set until the material changes or the side's verifier retires it; then a new one with an empty session cache,
     * whose first connection makes a full handshake. Look it up for each new connection (an HTTP client: for each
     * request; OkHttp pools connections by factory and verifier, so the same side reuses them).
     */
    public ClientSide clientSide(Set<SpiffeId> expectedServerIds) {
        Set<SpiffeId> key = Set.copyOf(expectedServerIds);
        ClientSide side = clientSides.get(key);
        return side != null ? side : clientSides.computeIfAbsent(key, ClientSide::new);
    }

    /**
     * A client's TLS for one set of expected server IDs: see {@link MeshTls#clientSide(Set)}. Use its
     * {@link #socketFactory()} and {@link #hostnameVerifier()} together.
     */
    public final class ClientSide {
        private final Set<SpiffeId> expected;
        private final SpiffeTrustManager serverCheck;
        private final SSLContext context;
        private final SSLSocketFactory factory;
        private final HostnameVerifier verifier = this::verifyServerSession;
        private final TlsMaterial material;
        private final long createdMillis;

        private ClientSide(Set<SpiffeId> expected) {
            this.expected = expected;
            this.material = holder.current();
            this.createdMillis = clock.millis();
            this.serverCheck = new SpiffeTrustManager(holder, clock, expected);
            this.context = newContext(serverCheck);
            this.factory = new ProtocolSocketFactory(context.getSocketFactory());
        }

        /** The socket factory; its sockets make the TLS handshake (TLS 1.3 or 1.2) and check the server's ID in it. */
        public SSLSocketFactory socketFactory() {
            return factory;
        }

        /**
         * The host name verifier for connections of {@link #socketFactory()}: it checks no name (the server's SPIFFE
         * ID was checked in the handshake) but checks the server's certificates in the session again now. A TLS 1.3
         * session resumed from a ticket keeps the certificates of its first full handshake and each resumption brings
         * a new ticket, so a chain of resumptions could otherwise go on showing a server certificate the server
         * replaced long ago, past its expiry. So:
         * <ul>
         *   <li>a session whose server leaf or intermediate certificates are not valid now is refused ({@code false}:
         *       the connection fails) and this side is retired; so is a session made before this workload's material
         *       changed whose chain does not verify against the trust anchors in force now;</li>
         *   <li>a session whose server leaf is past three quarters of its validity (by then a rotating server, renewing
         *       at half-life as Istio, SPIRE and the built-in CA do, or at two thirds as cert-manager does, has a
         *       newer one) is accepted, and this side is retired unless it is younger than a sixteenth of that
         *       lifetime or than half the time the certificate has left (so a server that has not renewed costs its
         *       clients a full handshake at most once per sixteenth of its certificate's lifetime, and a few more as
         *       its expiry nears).</li>
         * </ul>
         * A retired side's connections keep working until they close; {@link MeshTls#clientSide(Set)} then returns
         * a new side. A client that keeps connecting so retires a side before the certificate it shows expires; one
         * that connects rarely may meet a refusal, after which a new connection with the new side succeeds.
         */
        public HostnameVerifier hostnameVerifier() {
            return verifier;
        }

        private boolean verifyServerSession(String hostname, SSLSession session) {
            X509Certificate[] chain = peerChain(session);
            if (chain == null) {
                return false;
            }
            X509Certificate leaf = chain[0];
            long now = clock.millis();
            TlsMaterial current = holder.current();
            String refusal = null;
            for (int i = 0; i < chain.length && refusal == null; i++) {
                X509Certificate c = chain[i];
                if (i > 0 && current.bundle().trustAnchors().contains(c)) {
                    continue; // a root the server sent along: PKIX does not check a trust anchor's dates either
                }
                if (now < c.getNotBefore().getTime() || now > c.getNotAfter().getTime()) {
                    refusal = "the server's certificate " + Svid.describe(c) + " is valid only from "
                            + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant();
                }
            }
            if (refusal == null && current != material) {
                try {
                    serverCheck.verifyServer(chain);
                } catch (CertificateException e) {
                    refusal = "the server's chain does not verify against the trust anchors in force now: "
                            + e.getMessage();
                }
            }
            if (refusal != null) {
                clientSides.remove(expected, this);
                String why = refusal;
                LOG.log(Level.WARNING, () -> "InMesh TLS refused a connection to " + hostname + " made with a TLS"
                        + " session from an earlier handshake: " + why + "; later connections make full handshakes");
                return false;
            }
            long notBefore = leaf.getNotBefore().getTime();
            long notAfter = leaf.getNotAfter().getTime();
            long lifetime = notAfter - notBefore;
            long age = now - createdMillis;
            if (now - notBefore >= lifetime - lifetime / 4 && age >= Math.min(lifetime / 16, (notAfter - now) / 2)) {
                clientSides.remove(expected, this);
            }
            return true;
        }
    }

    /**
     * The trust manager of the server side: verifies a peer's chain against the current trust anchors and requires a
     * SPIFFE ID in the trust domain (any ID, for both client and server chains). For APIs that want one next to a
     * socket factory (OkHttp's {@code sslSocketFactory(factory, trustManager)}).
     */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** The material in force now. */
    public CertificateBundle current() {
        return holder.current().bundle();
    }

    /** This workload's SPIFFE ID, from the current material. */
    public SpiffeId identity() {
        return holder.current().id();
    }

    /**
     * Why the most recent material was refused, by the source or by this object, naming what was wrong; empty when
     * nothing was ever refused.
     */
    public Optional<String> lastRejection() {
        String own = ownRejection;
        Optional<String> fromSource = source.lastRejection();
        if (own != null && fromSource.equals(sourceRejectionAtOwn)) {
            return Optional.of(own); // the source refused nothing since this object refused its bundle
        }
        return fromSource.isPresent() ? fromSource : Optional.ofNullable(own);
    }

    /**
     * The SPIFFE ID of the peer of {@code session}, its chain verified again against the trust anchors in force now
     * and at the current time. Server adapters use this rather than {@link #peerIdentity}: a TLS 1.3 session resumed
     * from a ticket keeps the certificates of its first handshake, which may come from a root since removed, or
     * have expired. The result is cached on the session until the material changes or the leaf expires. Null when
     * the peer presented no certificate or its chain does not verify now.
     */
    public SpiffeId verifiedPeer(SSLSession session) {
        X509Certificate[] chain = session == null ? null : peerChain(session);
        if (chain == null) {
            return null;
        }
        Object material = holder.current();
        long now = clock.millis();
        Object cached = session.getValue(VERIFIED_KEY);
        if (cached instanceof VerifiedPeer) {
            VerifiedPeer v = (VerifiedPeer) cached;
            if (v.material == material && now < v.untilMillis) {
                return v.id;
            }
        }
        try {
            SpiffeId id = trustManager.verifyClient(chain);
            session.putValue(VERIFIED_KEY, new VerifiedPeer(material, id, chain[0].getNotAfter().getTime()));
            return id;
        } catch (CertificateException e) {
            return null;
        }
    }

    /**
     * The SPIFFE ID of a client whose chain a server adapter got from its container (the servlet attribute
     * {@code jakarta.servlet.request.X509Certificate}, Reactor Netty's {@code SslInfo}), verified against the trust
     * anchors in force now and at the current time, as {@link #verifiedPeer(SSLSession)} does. The result is cached by
     * leaf certificate until the material changes or the leaf expires. Null when there is no chain or it does not
     * verify now.
     */
    public SpiffeId verifiedPeer(X509Certificate[] chain) {
        if (chain == null || chain.length == 0 || chain[0] == null) {
            return null;
        }
        Object material = holder.current();
        long now = clock.millis();
        VerifiedPeer cached = verifiedChains.get(chain[0]);
        if (cached != null && cached.material == material && now < cached.untilMillis) {
            return cached.id;
        }
        try {
            SpiffeId id = trustManager.verifyClient(chain.clone());
            if (verifiedChains.size() >= MAX_VERIFIED_CHAINS) {
                verifiedChains.clear(); // bounded: a burst of distinct clients costs verifications, never memory
            }
            verifiedChains.put(chain[0], new VerifiedPeer(material, id, chain[0].getNotAfter().getTime()));
            return id;
        } catch (CertificateException e) {
            return null;
        }
    }

    /** The peer's certificate chain of {@code session}, leaf first; null when it has none or one not X.509. */
    private static X509Certificate[] peerChain(SSLSession session) {
        Certificate[] presented;
        try {
            presented = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (presented.length == 0) {
            return null;
        }
        X509Certificate[] chain = new X509Certificate[presented.length];
        for (int i = 0; i < presented.length; i++) {
            if (!(presented[i] instanceof X509Certificate)) {
                return null;
            }
            chain[i] = (X509Certificate) presented[i];
        }
        return chain;
    }

    private static final int MAX_VERIFIED_CHAINS = 1024;
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, VerifiedPeer> verifiedChains =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static final String VERIFIED_KEY = "io.inmesh.verified-peer";

    /** A peer verified against one generation of material, valid until its leaf expires. */
    private static final class VerifiedPeer {
        final Object material;
        final SpiffeId id;
        final long untilMillis;

        VerifiedPeer(Object material, SpiffeId id, long untilMillis) {
            this.material = material;
            this.id = id;
            this.untilMillis = untilMillis;
        }
    }

    /**
     * The SPIFFE ID in the leaf of a session's peer chain, without verifying it again (see {@link #verifiedPeer},
     * which server adapters should use).
     */
    public static SpiffeId peerIdentity(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        try {
            return Svid.spiffeId(leaf);
        } catch (CertificateException e) {
            return null;
        }
    }

    /** Stops following the source (the source itself stays open: close it separately). Idempotent. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "removing the certificate listener", e);
        }
    }

    @Override
    public String toString() {
        return "MeshTls[" + holder.current().bundle() + "]";
    }
}

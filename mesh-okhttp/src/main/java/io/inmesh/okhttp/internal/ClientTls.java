package io.inmesh.okhttp.internal;

import io.inmesh.Mesh;
import io.inmesh.config.DestinationRule.ClientTlsSettings;
import io.inmesh.config.DestinationRule.TlsMode;
import io.inmesh.discovery.Endpoint;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.tls.Pem;
import io.inmesh.traffic.internal.MeshCall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * How a try goes out, from the destination's DestinationRule {@code tls} and the endpoint's labels, as Istio
 * decides it:
 * <ul>
 *   <li>{@code ISTIO_MUTUAL}, or no {@code tls} and an endpoint labelled {@code security.istio.io/tlsMode: istio}
 *       (auto mTLS): mutual TLS with the workload certificate; the server must present a SPIFFE ID from
 *       {@code subjectAltNames}, else the endpoint's service account, else any ID of the trust domain. Without a
 *       workload certificate the try fails closed.</li>
 *   <li>{@code DISABLE}, or no {@code tls} and no label: plaintext as the application asked.</li>
 *   <li>{@code SIMPLE}: TLS origination to the endpoint, the server's certificate verified for {@code sni} (else
 *       the host) against {@code caCertificates} (else the JVM's trust store).</li>
 *   <li>{@code MUTUAL}: as SIMPLE, presenting {@code clientCertificate} and {@code privateKey} (PEM files, read when
 *       the policy is first used; a config change re-reads them).</li>
 * </ul>
 */
final class ClientTls {
    enum Kind { AS_REQUESTED, MESH_MTLS, ORIGINATE }

    /**
     * What to do for one try. A mesh mTLS plan has only its expected server IDs: the socket factory and host name
     * verifier come from {@link MeshTls} at each try, since it replaces them (on rotation, and when a resumed session
     * shows an aging server certificate).
     */
    record Plan(Kind kind, Set<SpiffeId> expected, SSLSocketFactory factory, X509TrustManager trustManager,
                String serverName, HostnameVerifier verifier) {
    }

    /** The TLS set-up of one DestinationRule {@code tls} block, shared by every destination that uses it. */
    private record Origination(SSLSocketFactory factory, X509TrustManager trustManager, HostnameVerifier verifier) {
    }

    private static final Plan AS_REQUESTED = new Plan(Kind.AS_REQUESTED, null, null, null, null, null);

    private final Map<ClientTlsSettings, Origination> originated = new ConcurrentHashMap<>();

    /** Slots of {@link #meshMtlsPlans} (a power of two). */
    static final int MESH_MTLS_SLOTS = 64;

    /**
     * The mesh mTLS plans last made, by what their expected identities depend on: direct-mapped, so bounded; an
     * entry is immutable and compared on every input, so a hit is what {@link #expected} would compute now.
     */
    private final AtomicReferenceArray<MeshMtlsPlan> meshMtlsPlans = new AtomicReferenceArray<>(MESH_MTLS_SLOTS);

    private static final class MeshMtlsPlan {
        final List<String> subjectAltNames;
        final String serviceAccount;
        final String namespace;
        final String host;
        final String trustDomain;
        final String clusterDomain;
        final Plan plan;

        MeshMtlsPlan(List<String> subjectAltNames, String serviceAccount, String namespace, String host,
                     String trustDomain, String clusterDomain, Plan plan) {
            this.subjectAltNames = subjectAltNames;
            this.serviceAccount = serviceAccount;
            this.namespace = namespace;
            this.host = host;
            this.trustDomain = trustDomain;
            this.clusterDomain = clusterDomain;
            this.plan = plan;
        }

        boolean matches(List<String> subjectAltNames, String serviceAccount, String namespace, String host,
                        String trustDomain, String clusterDomain) {
            return Objects.equals(this.serviceAccount, serviceAccount) && Objects.equals(this.namespace, namespace)
                    && this.host.equals(host) && Objects.equals(this.trustDomain, trustDomain)
                    && Objects.equals(this.clusterDomain, clusterDomain)
                    && Objects.equals(this.subjectAltNames, subjectAltNames);
        }
    }

    /** The plan for try {@code t} of {@code call}; throws when mutual TLS is required and cannot be done. */
    Plan plan(Mesh mesh, MeshCall call, MeshCall.Try t) throws IOException {
        ClientTlsSettings settings = t.policy().tls();
        Endpoint endpoint = t.endpoint();
        TlsMode mode = settings == null ? null : settings.mode();
        boolean meshMtls = mode == TlsMode.ISTIO_MUTUAL || (mode == null && endpoint != null
                && "istio".equals(endpoint.labels().get(Endpoint.TLS_MODE_LABEL)));
        if (meshMtls) {
            MeshTls tls = mesh.tls();
            if (tls == null) {
                throw new SSLHandshakeException("mutual TLS is required for " + call.targetHost() + " ("
                        + (mode == TlsMode.ISTIO_MUTUAL ? "DestinationRule tls.mode ISTIO_MUTUAL"
                        : "endpoint label " + Endpoint.TLS_MODE_LABEL + ": istio") + ") but this mesh has no"
                        + " workload certificate; build it with Mesh.builder().certificates(...)");
            }
            return meshMtlsPlan(mesh, settings, endpoint, call.targetHost());
        }
        if (mode == TlsMode.SIMPLE || mode == TlsMode.MUTUAL) {
            Origination o = originated.get(settings);
            if (o == null) {
                o = originate(settings, call.targetHost());
                if (originated.size() < 256) {
                    originated.putIfAbsent(settings, o);
                }
            }
            // the name to verify is this call's destination (or the rule's sni), never a cached one
            String name = settings.sni() != null && !settings.sni().isEmpty() ? settings.sni() : call.targetHost();
            return new Plan(Kind.ORIGINATE, null, o.factory(), o.trustManager(), name, o.verifier());
        }
        return AS_REQUESTED;
    }

    /** The plan of a mesh mTLS try: the cached one when its inputs are the same, else made (and cached). */
    private Plan meshMtlsPlan(Mesh mesh, ClientTlsSettings settings, Endpoint endpoint, String host)
            throws SSLHandshakeException {
        List<String> sans = settings == null ? null : settings.subjectAltNames();
        String sa = endpoint == null ? null : endpoint.serviceAccount();
        String ns = endpoint == null ? null : endpoint.namespace();
        String trustDomain = mesh.trustDomain();
        String clusterDomain = mesh.config().current().options().clusterDomain();
        int h = (Objects.hashCode(sa) * 31 + Objects.hashCode(ns)) * 31 + host.hashCode();
        int slot = (h ^ (h >>> 16)) & (MESH_MTLS_SLOTS - 1);
        MeshMtlsPlan cached = meshMtlsPlans.get(slot);
        if (cached != null && cached.matches(sans, sa, ns, host, trustDomain, clusterDomain)) {
            return cached.plan;
        }
        Plan plan = new Plan(Kind.MESH_MTLS, expected(mesh, settings, endpoint, host), null, null, null, null);
        meshMtlsPlans.set(slot, new MeshMtlsPlan(sans, sa, ns, host, trustDomain, clusterDomain, plan));
        return plan;
    }

    /**
     * The server identities a mesh mTLS try accepts: the rule's {@code subjectAltNames} (SPIFFE IDs; a rule that
     * names only other SANs can never match a mesh certificate, so the try fails, as Envoy's exact SAN match would),
     * else the endpoint's service account in its namespace; empty (any identity of the trust domain) only when the
     * endpoint has no service account.
     */
    private static Set<SpiffeId> expected(Mesh mesh, ClientTlsSettings settings, Endpoint endpoint, String host)
            throws SSLHandshakeException {
        if (settings != null && settings.subjectAltNames() != null && !settings.subjectAltNames().isEmpty()) {
            Set<SpiffeId> ids = new HashSet<>();
            for (String san : settings.subjectAltNames()) {
                if (san.startsWith("spiffe://")) {
                    ids.add(SpiffeId.parse(san));
                }
            }
            if (ids.isEmpty()) {
                throw new SSLHandshakeException("DestinationRule tls.subjectAltNames for " + host + " names no SPIFFE"
                        + " ID (" + settings.subjectAltNames() + "); a mesh certificate carries only its SPIFFE ID, so"
                        + " no server can match");
            }
            return Set.copyOf(ids);
        }
        String sa = endpoint == null ? null : endpoint.serviceAccount();
        if (sa == null || sa.isEmpty()) {
            return Set.of();
        }
        if (sa.startsWith("spiffe://")) {
            return Set.of(SpiffeId.parse(sa));
        }
        String ns = endpoint.namespace() != null ? endpoint.namespace()
                : serviceNamespace(host, mesh.config().current().options().clusterDomain());
        if (ns == null) {
            throw new SSLHandshakeException("endpoint " + endpoint.hostPort() + " of " + host + " runs as service"
                    + " account " + sa + " in an unknown namespace, so its SPIFFE ID cannot be checked; give the"
                    + " endpoint's namespace");
        }
        return Set.of(new SpiffeId(mesh.trustDomain(), "/ns/" + ns + "/sa/" + sa));
    }

    /** {@code ns} of {@code name.ns.svc.<domain>}, else null. */
    static String serviceNamespace(String host, String clusterDomain) {
        String suffix = ".svc." + clusterDomain;
        if (!host.endsWith(suffix)) {
            return null;
        }
        String rest = host.substring(0, host.length() - suffix.length());
        int dot = rest.lastIndexOf('.');
        return dot <= 0 ? null : rest.substring(dot + 1);
    }

    private static Origination originate(ClientTlsSettings s, String host) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (s.caCertificates() != null && !s.caCertificates().isEmpty()) {
                List<X509Certificate> roots = Pem.readCertificates(Files.readAllBytes(Path.of(s.caCertificates())),
                        s.caCertificates());
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                for (int i = 0; i < roots.size(); i++) {
                    ks.setCertificateEntry("ca-" + i, roots.get(i));
                }
                tmf.init(ks);
            } else {
                tmf.init((KeyStore) null);
            }
            X509TrustManager tm = null;
            for (TrustManager m : tmf.getTrustManagers()) {
                if (m instanceof X509TrustManager) {
                    tm = (X509TrustManager) m;
                }
            }
            KeyManagerFactory kmf = null;
            if (s.mode() == TlsMode.MUTUAL) {
                if (s.clientCertificate() == null || s.privateKey() == null) {
                    throw new SSLHandshakeException("DestinationRule tls.mode MUTUAL needs clientCertificate and"
                            + " privateKey files");
                }
                List<X509Certificate> chain = Pem.readCertificates(
                        Files.readAllBytes(Path.of(s.clientCertificate())), s.clientCertificate());
                PrivateKey key = Pem.readPrivateKey(Files.readAllBytes(Path.of(s.privateKey())), s.privateKey());
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                char[] none = new char[0];
                ks.setKeyEntry("client", key, none, chain.toArray(new X509Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, none);
            }
            HostnameVerifier verifier = null; // OkHttp's own: the certificate must be for the name
            if (Boolean.TRUE.equals(s.insecureSkipVerify())) {
                tm = TrustEverything.INSTANCE; // the rule asks for it explicitly (Istio's insecureSkipVerify)
                verifier = (hostname, session) -> true;
            } else if (s.subjectAltNames() != null && !s.subjectAltNames().isEmpty()) {
                verifier = new SubjectAltNameVerifier(List.copyOf(s.subjectAltNames()));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {tm}, null);
            return new Origination(ctx.getSocketFactory(), tm, verifier);
        } catch (Exception e) { // a missing or unreadable file, bad PEM: a TLS failure of this destination
            throw new SSLHandshakeException("DestinationRule tls (" + s.mode() + ") for " + host
                    + " cannot be set up: " + e.getMessage());
        }
    }

    /** Accepts a server whose certificate carries one of the rule's {@code subjectAltNames} (DNS or URI). */
    private static final class SubjectAltNameVerifier implements HostnameVerifier {
        private final List<String> names;

        SubjectAltNameVerifier(List<String> names) {
            this.names = names;
        }

        @Override
        public boolean verify(String hostname, javax.net.ssl.SSLSession session) {
            try {
                X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
                if (leaf.getSubjectAlternativeNames() == null) {
                    return false;
                }
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    Object value = san.get(1);
                    if (value instanceof String && names.contains(value)) {
                        return true;
                    }
                }
                return false;
            } catch (Exception e) {
                return false;
            }
        }
    }

    /** Istio's {@code insecureSkipVerify: true}: no verification of the server, because the rule says so. */
    private static final class TrustEverything implements X509TrustManager {
        static final TrustEverything INSTANCE = new TrustEverything();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

package io.inmesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates of both sides rotating every 2 s or so (4-second certificates renewed at half-life, jittered) while four
 * threads send requests over mutual TLS, each on a new connection (a handshake or a resumption per request). No
 * request fails, and no connection on either side used a certificate that was not valid at that moment.
 *
 * <p>Resumption is what makes this hard: a TLS 1.3 session resumed from a ticket keeps the certificates of its first
 * full handshake, and each resumption brings a new ticket, so a chain of resumptions could carry the server's
 * certificate past its expiry while the server already serves a newer one. The client's host name verifier
 * ({@link MeshTls.ClientSide#hostnameVerifier()}) retires its TLS context once the server certificate of a session is past
 * three quarters of its validity, and refuses one that has expired; see ResumedServerCertificateTest in mesh-core.
 * (The built-in CA backdates certificates by a minute, so these 4-second ones are past three quarters of their validity
 * from the start: here contexts are retired by the rule for certificates near their expiry, once older than half the
 * time the certificate has left.)
 */
class RotationUnderLoadTest extends MeshTestSupport {
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static final SpiffeId FRONTEND = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/frontend");
    private static final Duration TTL = Duration.ofSeconds(4);

    @TempDir
    Path caDir;

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void certificatesRotatingEveryFewSecondsUnderLoadFailNothingAndNoExpiredOneIsUsed() throws Exception {
        CertificateSource serverCerts = CertificateSources.builtInCa(caDir, REVIEWS, TTL,
                java.time.Clock.systemUTC());
        closeables.add(serverCerts);
        MeshTls serverTls = MeshTls.create(serverCerts);
        closeables.add(serverTls);
        Set<BigInteger> serverSerials = ConcurrentHashMap.newKeySet();
        Set<BigInteger> clientSerials = ConcurrentHashMap.newKeySet();
        List<String> invalid = new java.util.concurrent.CopyOnWriteArrayList<>();
        MockWebServer server = new MockWebServer();
        closeables.add(server);
        server.setServerSocketFactory(Backends.NO_DELAY); // no Nagle delay on MockWebServer's separate writes
        server.useHttps(serverTls.serverContext().getSocketFactory());
        server.requireClientAuth();
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                X509Certificate client = (X509Certificate) request.getHandshake().peerCertificates().get(0);
                X509Certificate own = (X509Certificate) request.getHandshake().localCertificates().get(0);
                // the handshake happened a moment before the request is read: allow the server's thread a second
                Date handshakeAtTheEarliest = new Date(System.currentTimeMillis() - 1000);
                check("server saw client", client, handshakeAtTheEarliest, invalid);
                check("server presented", own, handshakeAtTheEarliest, invalid);
                clientSerials.add(client.getSerialNumber());
                serverSerials.add(own.getSerialNumber());
                return new MockResponse.Builder().code(200).body("ok").build();
            }
        });
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);

        CertificateSource clientCerts = CertificateSources.builtInCa(caDir, FRONTEND, TTL,
                java.time.Clock.systemUTC());
        closeables.add(clientCerts);
        Mesh mesh = mesh(Mesh.builder().certificates(clientCerts).workload(new Workload("default", "frontend",
                Map.of())), meshServiceEntry(server.getPort(), "reviews", true));
        // no kept-alive connections and no HTTP/2 (which would share a connection between the threads): every
        // request makes a new connection, so a handshake or a resumption with whatever material is current; each
        // handshake the client accepts is checked when it ends
        AtomicInteger handshakes = new AtomicInteger();
        OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder()
                .protocols(List.of(Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.MILLISECONDS))
                .eventListenerFactory(call -> new EventListener() {
                    private Date start;

                    @Override
                    public void secureConnectStart(Call call) {
                        start = new Date();
                    }

                    @Override
                    public void secureConnectEnd(Call call, Handshake handshake) {
                        handshakes.incrementAndGet();
                        check("client accepted server in handshake", (X509Certificate) handshake.peerCertificates()
                                .get(0), start, invalid);
                    }
                }), mesh).build();

        AtomicInteger requests = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(16);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(threads.submit(() -> {
                while (System.nanoTime() < end) {
                    requests.incrementAndGet();
                    Date sent = new Date();
                    try (Response r = get(client, "http://reviews:9080/")) {
                        if (r.code() != 200) {
                            failed.incrementAndGet();
                            failures.add(r.code() + " " + r.header(MeshOkHttp.RESPONSE_FLAGS_HEADER) + " "
                                    + r.body().string());
                            continue;
                        }
                        check("client saw server (server's current serial " + serverTls.current().leaf()
                                .getSerialNumber() + ")", (X509Certificate) r.handshake().peerCertificates().get(0),
                                sent, invalid);
                        check("client presented", (X509Certificate) r.handshake().localCertificates().get(0),
                                sent, invalid);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        threads.shutdown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        System.out.println("FAULT rotation: requests=" + requests + " failed=" + failed + " handshakes="
                + handshakes + " server-certificates=" + serverSerials.size() + " client-certificates="
                + clientSerials.size() + " invalid-at-use=" + invalid.size());
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(invalid).as("certificates used outside their validity").isEmpty();
        assertThat(requests.get()).isGreaterThan(40);
        assertThat(handshakes.get()).as("a connection per request").isGreaterThanOrEqualTo(requests.get());
        assertThat(serverSerials).as("the server's certificate rotated while requests flowed").hasSizeGreaterThan(2);
        assertThat(clientSerials).as("the client's certificate rotated while requests flowed").hasSizeGreaterThan(2);
    }

    /**
     * Records a certificate that was not valid at any moment between {@code from} (before its handshake) and now (after
     * it): its handshake then used material outside its validity.
     */
    private static void check(String where, X509Certificate c, Date from, List<String> invalid) {
        Date now = new Date();
        if (c.getNotAfter().before(from) || c.getNotBefore().after(now)) {
            invalid.add(where + ": serial " + c.getSerialNumber() + " valid " + c.getNotBefore() + " to "
                    + c.getNotAfter() + ", used between " + from + " and " + now);
        }
    }
}

package io.inmesh.benchmarks;

import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cost of a mutual TLS 1.3 handshake between two mesh workloads, client and server {@link SSLEngine}s in
 * memory ({@link MemoryHandshake}): no sockets, both sides on the benchmark thread. The material is the built-in CA's
 * (ECDSA P-256 workload certificates for {@code productpage} calling {@code reviews}); the client checks the server's
 * SPIFFE ID, the server requires and checks the client's ({@link MeshTls#serverParameters(boolean)} with
 * {@code true}).
 *
 * <ul>
 *   <li>{@code fullHandshake}: the client engine is made without a peer host and port, so the JDK does not look up a
 *       session to resume: every handshake is full (certificates, signatures, chain and SPIFFE checks both ways).</li>
 *   <li>{@code resumedHandshake}: the client engine names the same host and port each time, so the client offers the
 *       ticket the server sent in the previous handshake (TLS 1.3 PSK with a new ECDHE key exchange: no certificate,
 *       no signature).</li>
 * </ul>
 * The setup checks both: a full handshake makes new sessions on both sides, a resumed one continues a session created
 * before it started (the JDK keeps a resumed session's creation time), and the server sees the client's SPIFFE ID in
 * each.
 *
 * <p>Warm-up is longer than elsewhere: nearly all the time is the JDK's elliptic-curve arithmetic (P-256 signatures,
 * X25519 key exchange), which the JIT compiles only after a couple of thousand handshakes; with 3 s of warm-up the
 * first measured iterations are still twice as slow as the last.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class HandshakeBenchmark {
    static final SpiffeId SERVER_ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    static final SpiffeId CLIENT_ID = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");
    private static final String PEER_HOST = "reviews.default.svc.cluster.local";
    private static final int PEER_PORT = 9080;

    /** Both workloads' TLS from one built-in CA in a temporary directory. */
    @State(Scope.Benchmark)
    public static class Tls {
        Path caDir;
        CertificateSource serverSource;
        CertificateSource clientSource;
        MeshTls server;
        MeshTls client;
        SSLContext clientContext;
        SSLParameters serverParameters;
        MemoryHandshake handshake;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            caDir = Files.createTempDirectory("inmesh-bench-ca");
            serverSource = CertificateSources.builtInCa(caDir, SERVER_ID);
            clientSource = CertificateSources.builtInCa(caDir, CLIENT_ID);
            server = MeshTls.create(serverSource);
            client = MeshTls.create(clientSource);
            clientContext = client.clientContext(Set.of(SERVER_ID));
            serverParameters = server.serverParameters(true);
            handshake = new MemoryHandshake();
            check();
        }

        /** Fails unless full handshakes are full, resumed ones resumed, and both are mutual TLS 1.3. */
        private void check() throws SSLException, InterruptedException {
            for (int i = 0; i < 3; i++) {
                long start = System.currentTimeMillis();
                SSLEngine[] pair = handshake(this, false);
                expect(pair, start, false);
            }
            handshake(this, true); // a full handshake that leaves a ticket for this host and port
            Thread.sleep(5);
            for (int i = 0; i < 3; i++) {
                long start = System.currentTimeMillis();
                SSLEngine[] pair = handshake(this, true);
                expect(pair, start, true);
            }
        }

        private static void expect(SSLEngine[] pair, long startMillis, boolean resumed) {
            SSLSession c = pair[0].getSession();
            SSLSession s = pair[1].getSession();
            String kind = resumed ? "resumed" : "full";
            if (!"TLSv1.3".equals(c.getProtocol()) || !"TLSv1.3".equals(s.getProtocol())) {
                throw new IllegalStateException(kind + " handshake: protocol " + c.getProtocol());
            }
            if (!CLIENT_ID.equals(MeshTls.peerIdentity(s)) || !SERVER_ID.equals(MeshTls.peerIdentity(c))) {
                throw new IllegalStateException(kind + " handshake: peers " + MeshTls.peerIdentity(s) + " and "
                        + MeshTls.peerIdentity(c));
            }
            boolean clientOld = c.getCreationTime() < startMillis;
            boolean serverOld = s.getCreationTime() < startMillis;
            if (clientOld != resumed || serverOld != resumed) {
                throw new IllegalStateException(kind + " handshake: sessions created at " + c.getCreationTime()
                        + " (client) and " + s.getCreationTime() + " (server), handshake started at " + startMillis);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            client.close();
            server.close();
            clientSource.close();
            serverSource.close();
            try (Stream<Path> files = Files.walk(caDir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    /** One handshake between new engines; the client names the peer (and so may resume) when {@code resume}. */
    static SSLEngine[] handshake(Tls t, boolean resume) throws SSLException {
        SSLEngine c = resume ? t.clientContext.createSSLEngine(PEER_HOST, PEER_PORT) : t.clientContext.createSSLEngine();
        c.setUseClientMode(true);
        SSLParameters p = c.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3"});
        c.setSSLParameters(p);
        SSLEngine s = t.server.serverContext().createSSLEngine();
        s.setUseClientMode(false);
        s.setSSLParameters(t.serverParameters);
        t.handshake.run(c, s);
        return new SSLEngine[] {c, s};
    }

    /** A full mutual TLS 1.3 handshake. */
    @Benchmark
    public SSLEngine[] fullHandshake(Tls t) throws SSLException {
        return handshake(t, false);
    }

    /** A resumed mutual TLS 1.3 handshake (PSK with ECDHE). */
    @Benchmark
    public SSLEngine[] resumedHandshake(Tls t) throws SSLException {
        return handshake(t, true);
    }
}

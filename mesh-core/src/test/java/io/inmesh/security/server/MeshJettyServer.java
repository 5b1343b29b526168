package io.inmesh.security.server;

import io.inmesh.Mesh;
import io.inmesh.security.InboundDecision;
import io.inmesh.security.MeshTls;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A Jetty 12 core server (no servlet) on {@code 127.0.0.1:0} whose handler asks the mesh about every request, as a
 * server adapter does: it builds an {@link io.inmesh.security.InboundRequest} over the Jetty request, calls
 * {@link Mesh#inbound}, and
 * <ul>
 *   <li>for {@code PLAINTEXT_REFUSED} closes the connection without answering (Envoy resets it);</li>
 *   <li>for the other refusals answers the decision's status, body and headers;</li>
 *   <li>when allowed answers 200 with a body naming the peer's SPIFFE ID (or {@code plaintext}), the request
 *       identity, the mode, the TLS protocol, the SNI, the host and the path, one {@code name: value} per line,
 *       plus the decision's headers.</li>
 * </ul>
 * Each decision is also queued for the test to inspect, and so is each failed handshake, with its causes (an
 * {@code SslHandshakeListener} bean of the connector, which the {@code SslConnectionFactory} installs on each
 * connection).
 */
final class MeshJettyServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<InboundDecision> decisions = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> handshakeFailures = new LinkedBlockingQueue<>();

    private MeshJettyServer(Mesh mesh, MeshTls meshTls, SslContextFactory.Server ssl, boolean detect)
            throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("mesh-jetty");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConnectionFactory http = new HttpConnectionFactory(new HttpConfiguration());
        SslConnectionFactory tls = new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString());
        // Jetty would add a SecureRequestCustomizer, whose SNI host check answers 400 "Invalid SNI" to every request:
        // it matches the Host header against the certificate's DNS names, and a mesh certificate has none (its only
        // SAN is the SPIFFE ID). The handler reads the TLS session from the end point instead.
        tls.setEnsureSecureRequestCustomizer(false);
        ConnectionFactory[] factories = detect
                ? new ConnectionFactory[] {new DetectorConnectionFactory(tls), http}
                : new ConnectionFactory[] {tls, http};
        connector = new ServerConnector(server, 1, 1, factories);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addBean(new SslHandshakeListener() {
            @Override
            public void handshakeFailed(Event event, Throwable failure) {
                handshakeFailures.add(causes(failure));
            }
        });
        server.addConnector(connector);
        server.setHandler(new InboundHandler(mesh, meshTls, decisions));
        server.start();
    }

    /**
     * One port for TLS and plaintext, told apart by the first bytes (Jetty's {@code DetectorConnectionFactory}): what
     * a PERMISSIVE port needs. Client certificates are requested but optional at the handshake, so the mode can change
     * without a restart: STRICT is enforced per request, on the peer identity the handshake established.
     */
    static MeshJettyServer detecting(Mesh mesh, MeshTls tls) throws Exception {
        return new MeshJettyServer(mesh, tls, sslContextFactory(tls, false), true);
    }

    /**
     * TLS only, no plaintext detection; with {@code needClientAuth} a client without a certificate fails the
     * handshake itself (STRICT at the handshake, as a server that knows its mode up front would do).
     */
    static MeshJettyServer tlsOnly(Mesh mesh, MeshTls tls, boolean needClientAuth) throws Exception {
        return new MeshJettyServer(mesh, tls, sslContextFactory(tls, needClientAuth), false);
    }

    private static SslContextFactory.Server sslContextFactory(MeshTls tls, boolean needClientAuth) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(tls.serverContext());
        // The mesh's choice of protocols (TLS 1.3 and 1.2), and no host name check of client certificates.
        ssl.setIncludeProtocols(tls.serverParameters(needClientAuth).getProtocols());
        ssl.setEndpointIdentificationAlgorithm(null);
        if (needClientAuth) {
            ssl.setNeedClientAuth(true);
        } else {
            ssl.setWantClientAuth(true);
        }
        return ssl;
    }

    int port() {
        return connector.getLocalPort();
    }

    String httpUrl(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    String httpsUrl(String path) {
        return "https://127.0.0.1:" + port() + path;
    }

    /** The next decision the handler made, waiting a little for it; fails when there is none. */
    InboundDecision nextDecision() throws InterruptedException {
        InboundDecision d = decisions.poll(5, TimeUnit.SECONDS);
        if (d == null) {
            throw new AssertionError("the handler made no inbound decision: the request never reached it");
        }
        return d;
    }

    /**
     * The messages of the next failed handshake's exception and its causes, joined with {@code " <- "}, waiting a
     * little for it; fails when there is none.
     */
    String nextHandshakeFailure() throws InterruptedException {
        String f = handshakeFailures.poll(5, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no TLS handshake failed on the server");
        }
        return f;
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            b.append(b.length() == 0 ? "" : " <- ").append(c);
        }
        return b.toString();
    }

    /** Whether the handler has decided anything not yet taken by {@link #nextDecision()}. */
    boolean hasDecisions() {
        return !decisions.isEmpty();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping Jetty", e);
        } catch (Exception e) {
            throw new IllegalStateException("stopping Jetty failed", e);
        }
    }

    /** Asks the mesh, then answers, refuses or resets. */
    private static final class InboundHandler extends Handler.Abstract {
        private final Mesh mesh;
        private final BlockingQueue<InboundDecision> decisions;
        private final MeshTls meshTls;

        InboundHandler(Mesh mesh, MeshTls meshTls, BlockingQueue<InboundDecision> decisions) {
            this.mesh = mesh;
            this.meshTls = meshTls;
            this.decisions = decisions;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            JettyInboundRequest inbound = new JettyInboundRequest(request, meshTls);
            InboundDecision decision = mesh.inbound(inbound);
            decisions.add(decision);
            if (decision.outcome() == InboundDecision.Outcome.PLAINTEXT_REFUSED) {
                // No answer at all: close the connection under the request, as Envoy resets a plaintext connection
                // on a STRICT port.
                request.getConnectionMetaData().getConnection().getEndPoint().close();
                callback.failed(new IOException("closed: " + decision.reason()));
                return true;
            }
            for (Map.Entry<String, String> h : decision.responseHeaders().entrySet()) {
                response.getHeaders().put(h.getKey(), h.getValue());
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            if (!decision.allowed()) {
                response.setStatus(decision.status());
                Content.Sink.write(response, true, decision.body(), callback);
                return true;
            }
            response.setStatus(200);
            String body = "peer: " + (decision.peer() == null ? "plaintext" : decision.peer().uri()) + "\n"
                    + "identity: " + (decision.identity() == null ? "none" : decision.identity().principal()) + "\n"
                    + "mode: " + decision.mtlsMode() + "\n"
                    + "tls: " + (inbound.tls() ? inbound.tlsProtocol() : "none") + "\n"
                    + "sni: " + (inbound.sni() == null ? "none" : inbound.sni()) + "\n"
                    + "host: " + inbound.host() + "\n"
                    + "path: " + inbound.path() + (inbound.query() == null ? "" : "?" + inbound.query()) + "\n";
            Content.Sink.write(response, true, body, callback);
            return true;
        }
    }
}

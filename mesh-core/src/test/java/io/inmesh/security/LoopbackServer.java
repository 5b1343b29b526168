package io.inmesh.security;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A real TLS server on loopback: a JDK {@link SSLServerSocket} that, per connection, completes the handshake, records
 * the outcome (the peer's SPIFFE ID, or the failure), greets with {@code hello PEER_ID}, then echoes lines until the
 * client closes or sends {@code close}.
 */
public final class LoopbackServer implements AutoCloseable {
    /** The outcome of one connection's handshake on the server side. */
    public record Handshake(SpiffeId peer, String protocol, Exception failure) {
        public boolean ok() {
            return failure == null;
        }

        /** The failure and its causes' messages, joined. */
        public String failureMessages() {
            StringBuilder b = new StringBuilder();
            for (Throwable t = failure; t != null; t = t.getCause()) {
                b.append(t).append(" | ");
            }
            return b.toString();
        }
    }

    private final SSLServerSocket server;
    private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
    private final Thread acceptor;
    private final java.util.function.Function<javax.net.ssl.SSLSession, SpiffeId> identify;

    public LoopbackServer(SSLContext context, SSLParameters parameters) throws IOException {
        this(context, parameters, MeshTls::peerIdentity);
    }

    /** A server that names its peers with {@code identify} (for instance {@link MeshTls#verifiedPeer}). */
    public LoopbackServer(SSLContext context, SSLParameters parameters,
                          java.util.function.Function<javax.net.ssl.SSLSession, SpiffeId> identify)
            throws IOException {
        this.identify = identify;
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        server.setSSLParameters(parameters);
        acceptor = new Thread(this::acceptLoop, "test-tls-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                Thread t = new Thread(() -> serve(s), "test-tls-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            try {
                s.setSoTimeout(10_000);
                s.startHandshake();
            } catch (IOException e) {
                handshakes.add(new Handshake(null, null, e));
                return;
            }
            SpiffeId peer = identify.apply(s.getSession());
            handshakes.add(new Handshake(peer, s.getSession().getProtocol(), null));
            OutputStream out = s.getOutputStream();
            out.write(("hello " + peer + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("close"); line = in.readLine()) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (SocketException e) {
            // the client went away
        } catch (IOException e) {
            // a test that drops the connection
        }
    }

    /** The next connection's handshake outcome, waiting up to 10 s. */
    public Handshake nextHandshake() throws InterruptedException {
        Handshake h = handshakes.poll(10, TimeUnit.SECONDS);
        if (h == null) {
            throw new AssertionError("no connection reached the server in 10 s");
        }
        return h;
    }

    /** A client connection: the TLS socket and a reader over it. */
    public static final class Client implements AutoCloseable {
        public final SSLSocket socket;
        private final BufferedReader in;

        private Client(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Sends a line and returns the line the server sends back. */
        public String exchange(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return in.readLine();
        }

        public String readLine() throws IOException {
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Connects with {@code factory}, handshakes and reads the greeting; the handshake's failure (on either side) is
     * thrown. The client's session is invalidated, so that the next connection does a full handshake.
     */
    public Client connect(SSLSocketFactory factory) throws IOException {
        SSLSocket s = (SSLSocket) factory.createSocket(InetAddress.getLoopbackAddress(), port());
        try {
            s.setSoTimeout(10_000);
            s.startHandshake();
            Client c = new Client(s);
            String greeting = c.readLine(); // with TLS 1.3, the server's refusal of the client arrives here
            if (greeting == null || !greeting.startsWith("hello ")) {
                throw new IOException("no greeting from the server: " + greeting);
            }
            s.getSession().invalidate();
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

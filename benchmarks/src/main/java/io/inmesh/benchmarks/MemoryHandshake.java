package io.inmesh.benchmarks;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A TLS handshake between a client and a server {@link SSLEngine} in memory, without sockets: records go from one
 * engine's {@code wrap} to the other's {@code unwrap} through two buffers, delegated tasks run on the calling thread.
 * What a handshake costs here is the CPU of both sides (key exchange, signatures, certificate checks), nothing of the
 * network. The post-handshake messages (TLS 1.3 session tickets) are delivered too, so that the client can resume.
 * Buffers are reused from one handshake to the next; not thread-safe.
 */
final class MemoryHandshake {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int MAX_ROUNDS = 32;

    private final ByteBuffer clientToServer = ByteBuffer.allocate(1 << 16);
    private final ByteBuffer serverToClient = ByteBuffer.allocate(1 << 16);
    private final ByteBuffer clientApp = ByteBuffer.allocate(1 << 16);
    private final ByteBuffer serverApp = ByteBuffer.allocate(1 << 16);

    /** Bytes the client sent in the last handshake. */
    long clientBytes;
    /** Bytes the server sent in the last handshake, session tickets included. */
    long serverBytes;

    /**
     * Runs a handshake to its end: both engines not handshaking and nothing left to deliver.
     *
     * @throws SSLException when the handshake fails (a peer is refused)
     */
    void run(SSLEngine client, SSLEngine server) throws SSLException {
        clientToServer.clear();
        serverToClient.clear();
        clientBytes = 0;
        serverBytes = 0;
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            long sent = wrapAll(client, clientToServer);
            clientBytes += sent;
            unwrapAll(server, clientToServer, serverApp);
            long answered = wrapAll(server, serverToClient);
            serverBytes += answered;
            unwrapAll(client, serverToClient, clientApp);
            if (sent == 0 && answered == 0 && done(client) && done(server)) {
                return;
            }
        }
        throw new SSLException("handshake did not finish in " + MAX_ROUNDS + " rounds: client "
                + client.getHandshakeStatus() + ", server " + server.getHandshakeStatus());
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus hs = e.getHandshakeStatus();
        return hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED;
    }

    /** Wraps while the engine has something to send; returns the bytes produced. */
    private static long wrapAll(SSLEngine e, ByteBuffer net) throws SSLException {
        long produced = 0;
        for (int i = 0; i < MAX_ROUNDS; i++) {
            SSLEngineResult r = e.wrap(EMPTY, net);
            runTasks(e);
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                throw new SSLException("wrap: " + r);
            }
            produced += r.bytesProduced();
            if (r.bytesProduced() == 0 && e.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                break;
            }
        }
        return produced;
    }

    /** Unwraps every complete record in {@code net}; a partial record stays for the next round. */
    private static void unwrapAll(SSLEngine e, ByteBuffer net, ByteBuffer app) throws SSLException {
        net.flip();
        try {
            while (net.hasRemaining()) {
                SSLEngineResult r = e.unwrap(net, app);
                runTasks(e);
                app.clear(); // a handshake carries no application data; drop what a peer might send
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    break;
                }
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("unwrap: " + r);
                }
                if (r.bytesConsumed() == 0) {
                    break; // the engine wants to send first: the next round comes back to the rest
                }
            }
        } finally {
            net.compact();
        }
    }

    private static void runTasks(SSLEngine e) {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) {
            task.run();
        }
    }
}

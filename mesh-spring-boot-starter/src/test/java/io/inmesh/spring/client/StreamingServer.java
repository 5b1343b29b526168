package io.inmesh.spring.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback HTTP/1.1 server for one request whose response body a test controls: {@code first} bytes written and
 * flushed, then the rest once {@link #proceed} is counted down. Records how writing ended: completed, or the
 * exception the server got writing to a client that went away.
 */
final class StreamingServer implements AutoCloseable {
    final long first;
    final long total;
    final CountDownLatch proceed;
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicReference<String> outcome = new AtomicReference<>();
    private final ServerSocket socket;
    private final Thread thread;

    StreamingServer(long first, long total, CountDownLatch proceed) throws IOException {
        this.first = first;
        this.total = total;
        this.proceed = proceed;
        this.socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.thread = new Thread(this::serve, "streaming-server");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        try (Socket s = socket.accept()) {
            readHead(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + total
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[8192];
            Arrays.fill(block, (byte) 'x');
            write(out, block, first);
            out.flush();
            if (!proceed.await(20, TimeUnit.SECONDS)) {
                outcome.set("never told to proceed");
                return;
            }
            write(out, block, total - first);
            out.flush();
            outcome.set("completed");
        } catch (IOException e) {
            outcome.set("failed: " + e);
        } catch (InterruptedException e) {
            outcome.set("interrupted");
        } finally {
            ended.countDown();
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request head cut short");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static void write(OutputStream out, byte[] block, long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            int n = (int) Math.min(block.length, left);
            out.write(block, 0, n);
            left -= n;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        thread.interrupt();
    }
}

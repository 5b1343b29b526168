package io.inmesh.okhttp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** Real loopback servers standing for the endpoints of a service, one per version, counting what reaches them. */
final class Backends implements AutoCloseable {

    /** One endpoint: a server, its version label, how it answers, and what it received. */
    static final class Backend {
        final String version;
        final MockWebServer server = new MockWebServer();
        final AtomicInteger count = new AtomicInteger();
        final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
        volatile Function<RecordedRequest, MockResponse> answer;

        Backend(String version) throws IOException {
            this(version, 0);
        }

        /** A backend on {@code port} of the loopback address (0: any free port), e.g. a restart on a dead one's port. */
        Backend(String version, int port) throws IOException {
            this.version = version;
            this.answer = r -> new MockResponse.Builder().code(200).body(version).build();
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    count.incrementAndGet();
                    requests.add(request);
                    return answer.apply(request);
                }
            });
            server.setServerSocketFactory(NO_DELAY);
            server.start(java.net.InetAddress.getLoopbackAddress(), port);
        }

        int port() {
            return server.getPort();
        }
    }

    /**
     * Server sockets whose accepted connections have Nagle's algorithm off: MockWebServer writes a response head and
     * body separately, and Nagle plus the client's delayed ACK would add 40 ms to every exchange.
     */
    static final javax.net.ServerSocketFactory NO_DELAY = new javax.net.ServerSocketFactory() {
        @Override
        public java.net.ServerSocket createServerSocket() throws IOException {
            return new java.net.ServerSocket() {
                @Override
                public java.net.Socket accept() throws IOException {
                    java.net.Socket s = super.accept();
                    s.setTcpNoDelay(true);
                    return s;
                }
            };
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port, int backlog, java.net.InetAddress address)
                throws IOException {
            throw new UnsupportedOperationException();
        }
    };

    final Map<String, Backend> byVersion = new ConcurrentHashMap<>();
    private final List<Backend> all = new ArrayList<>();

    Backends(String... versions) throws IOException {
        for (String v : versions) {
            Backend b = new Backend(v);
            byVersion.put(v, b);
            all.add(b);
        }
    }

    /**
     * A free loopback port below Linux's ephemeral range (32768-60999): while the killed endpoint is down, no outgoing
     * connection of this machine can take its port as a local port, so the restarted server can bind it again.
     */
    static int freePortBelowEphemeralRange() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int i = 0; i < 100; i++) {
            int port = 20_000 + random.nextInt(12_000);
            try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port found in 20000-31999");
    }

    /**
     * Adds an endpoint on {@code port} (0: any free port). A server given its port sets {@code SO_REUSEADDR}
     * (MockWebServer does so only then), so that another can bind the port again after it was closed while clients
     * still hold connections to it.
     */
    Backend add(String version, int port) throws IOException {
        Backend b = new Backend(version, port);
        byVersion.put(version, b);
        all.add(b);
        return b;
    }

    Backend get(String version) {
        return byVersion.get(version);
    }

    /** A ServiceEntry for {@code host} (port 9080) whose endpoints are these servers, labelled by version. */
    String serviceEntry(String host) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                """.formatted(host, host));
        for (Backend be : all) {
            b.append("  - {address: 127.0.0.1, ports: {http: ").append(be.port()).append("}, labels: {app: ")
                    .append(host).append(", version: ").append(be.version).append("}}\n");
        }
        return b.toString();
    }

    /** A DestinationRule with one subset per version, and {@code trafficPolicy} (YAML, indented 2) when given. */
    String destinationRule(String host, String trafficPolicy) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                """.formatted(host, host));
        if (trafficPolicy != null) {
            b.append("  trafficPolicy:\n");
            for (String line : trafficPolicy.strip().split("\n")) {
                b.append("    ").append(line).append('\n');
            }
        }
        b.append("  subsets:\n");
        for (Backend be : all) {
            b.append("  - {name: ").append(be.version).append(", labels: {version: ").append(be.version).append("}}\n");
        }
        return b.toString();
    }

    int total() {
        return all.stream().mapToInt(b -> b.count.get()).sum();
    }

    @Override
    public void close() {
        for (Backend b : all) {
            b.server.close();
        }
    }
}

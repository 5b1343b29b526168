package io.inmesh.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * fabric8's mock API server in CRUD mode (a real HTTP server: lists, watches over WebSockets, resource versions),
 * behind a dispatcher that records requests, keeps the open watches so a test can end them as an API server does
 * (HTTP 410 Gone), and can refuse requests (403).
 */
final class MockApi implements AutoCloseable {
    final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Open watches by their request path. */
    final Map<WebSocket, String> watches = new ConcurrentHashMap<>();
    private volatile Predicate<String> refused = p -> false;
    private volatile int refusedCode;
    final KubernetesMockServer server;
    final KubernetesClient client;

    MockApi() {
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getPath();
                requests.add(request.getMethod() + " " + path);
                if (refused.test(path)) {
                    return new MockResponse().setResponseCode(refusedCode).setBody(status(refusedCode,
                            refusedCode == 403 ? "Forbidden" : "Gone", "refused by the test"));
                }
                String discovery = discovery(path);
                if (discovery != null) {
                    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                            .setBody(discovery);
                }
                MockResponse response = crud.dispatch(request);
                WebSocketListener listener = response.getWebSocketListener();
                if (listener != null) {
                    response.withWebSocketUpgrade(new Tracking(listener, path));
                }
                return response;
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        // Reconnect and relist after 100 ms instead of 1 s, so recovery tests are quick.
        client = server.createClient(b -> b.editOrNewConfig().withWatchReconnectInterval(100).endConfig());
    }

    /** Answers requests whose path matches with {@code code} (and a Status body) until {@link #accept()}. */
    void refuse(Predicate<String> paths, int code) {
        refusedCode = code;
        refused = paths;
    }

    void accept() {
        refused = p -> false;
    }

    /** Ends every open watch whose path contains {@code resource} as an API server does when its version expired. */
    int expireWatches(String resource) {
        int n = 0;
        for (Map.Entry<WebSocket, String> e : watches.entrySet()) {
            if (e.getValue().contains(resource)) {
                e.getKey().send("{\"type\":\"ERROR\",\"object\":" + status(410, "Expired",
                        "too old resource version") + "}");
                e.getKey().close(1000, "");
                watches.remove(e.getKey());
                n++;
            }
        }
        return n;
    }

    long count(String method, String pathPart, boolean watch) {
        return requests.stream().filter(r -> r.startsWith(method + " ") && r.contains(pathPart)
                && r.contains("watch=true") == watch).count();
    }

    /**
     * API discovery as kubectl reads it (the CRUD dispatcher serves none): the core group with ConfigMaps, Pods and
     * Services, no other group.
     */
    private static String discovery(String path) {
        String p = path.indexOf('?') < 0 ? path : path.substring(0, path.indexOf('?'));
        return switch (p) {
            case "/api" -> "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                    + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"localhost\"}]}";
            case "/apis" -> "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
            case "/api/v1" -> "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
                    + resource("configmaps", "ConfigMap") + "," + resource("pods", "Pod") + ","
                    + resource("services", "Service") + "]}";
            default -> null;
        };
    }

    private static String resource(String plural, String kind) {
        return "{\"name\":\"" + plural + "\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"" + kind
                + "\",\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]}";
    }

    private static String status(int code, String reason, String message) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                + message + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
    }

    @Override
    public void close() {
        client.close();
        for (WebSocket ws : watches.keySet()) {
            ws.close(1000, "test over"); // the server waits for open WebSockets when it stops
        }
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // Vert.x waits up to 10 s for a WebSocket whose upgrade was still in flight when the client closed; the
            // mock server's shutdown is no part of what the tests check.
            System.err.println("mock API server: " + e + " (ignored)");
        }
    }

    private final class Tracking extends WebSocketListener {
        private final WebSocketListener delegate;
        private final String path;

        Tracking(WebSocketListener delegate, String path) {
            this.delegate = delegate;
            this.path = path;
        }

        @Override
        public void onBeforeAccept(WebSocket ws, Response response) {
            delegate.onBeforeAccept(ws, response);
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            watches.put(ws, path);
            delegate.onOpen(ws, response);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            delegate.onMessage(ws, text);
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            delegate.onMessage(ws, bytes);
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            watches.remove(ws);
            delegate.onClosing(ws, code, reason);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            watches.remove(ws);
            delegate.onClosed(ws, code, reason);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            watches.remove(ws);
            delegate.onFailure(ws, t, response);
        }
    }
}

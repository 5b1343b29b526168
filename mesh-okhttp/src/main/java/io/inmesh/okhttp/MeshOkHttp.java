package io.inmesh.okhttp;

import io.inmesh.Mesh;
import io.inmesh.okhttp.internal.CallerContext;
import io.inmesh.okhttp.internal.ConnectionLifetimes;
import io.inmesh.okhttp.internal.FollowUps;
import io.inmesh.okhttp.internal.MeshInterceptor;
import io.inmesh.okhttp.internal.Mirrors;
import java.util.Objects;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/**
 * Routes OkHttp calls through a {@link Mesh}: VirtualService rules, weighted destinations, load balancing, retries,
 * timeouts, fault injection, mirroring, outlier detection and connection-pool limits, as an Envoy sidecar would
 * apply them to the same Istio YAML.
 *
 * <pre>{@code
 * OkHttpClient client = MeshOkHttp.newClient(mesh);
 * // or, keeping your own settings:
 * OkHttpClient client = MeshOkHttp.configure(new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)), mesh).build();
 * }</pre>
 *
 * <p>What to know:
 * <ul>
 *   <li>The mesh's interceptor is added last among the application interceptors, so yours see the request as the
 *       application made it. It answers some requests itself, as the sidecar would: 404 when VirtualServices apply
 *       to the host but no rule matches, redirects, direct responses, injected aborts, 503 on connection-pool
 *       overflow or when no endpoint is healthy, 504 on timeout. Such answers, and responses that needed the
 *       mesh's help, carry Envoy's response flags in the {@value #RESPONSE_FLAGS_HEADER} header (for example
 *       {@code UF,URX}).</li>
 *   <li>OkHttp's own retry on connection failure is turned off for mesh calls, so that a request is tried at most
 *       {@code 1 + attempts} times; the mesh's default retry policy covers connection failures. {@link #configure}
 *       sets the builder's {@code retryOnConnectionFailure(false)} to say so (setting it back changes nothing for
 *       calls through the mesh).</li>
 *   <li>Per-try and overall timeouts bound connecting, sending and each wait for response bytes; the time spent
 *       reading a response body after its headers is bounded by the remaining time per read, not in total. For a
 *       hard limit on the whole call, set OkHttp's {@code callTimeout}.</li>
 *   <li>Mirrored copies go out on a small bounded executor through a client of the mesh's own, with
 *       {@code -shadow} appended to the authority; copies beyond its queue are dropped, never queued without
 *       limit, and a request whose body is one-shot is not copied.</li>
 *   <li>Telemetry ({@code Mesh.builder().telemetry(...)}): each try gets a client span, child of the context
 *       current when the call was started (for {@code enqueue} too), and carries its trace context in the
 *       configured headers; Istio's metrics (reporter=source) and the access log line are recorded when the
 *       response body is closed. Configure your own event listener before calling {@link #configure}: the mesh
 *       adds one in front of it.</li>
 * </ul>
 */
public final class MeshOkHttp {
    /** The response header that carries Envoy's response flags ({@code -} is never written). */
    public static final String RESPONSE_FLAGS_HEADER = MeshInterceptor.FLAGS_HEADER;

    private static final int MIRROR_THREADS = 4;
    private static final int MIRROR_QUEUE = 256;

    private MeshOkHttp() {
    }

    /** A new client whose calls go through {@code mesh}. */
    public static OkHttpClient newClient(Mesh mesh) {
        return configure(new OkHttpClient.Builder(), mesh).build();
    }

    /** Adds the mesh's interceptor to {@code builder} and returns it. */
    public static OkHttpClient.Builder configure(OkHttpClient.Builder builder, Mesh mesh) {
        Objects.requireNonNull(mesh, "mesh");
        MirrorClient mirrorClient = new MirrorClient(mesh);
        builder.addInterceptor(new MeshInterceptor(mesh, mirrorClient.mirrors));
        // every call goes through the mesh, which turns this off for its tries anyway: saves a chain copy per call
        builder.retryOnConnectionFailure(false);
        builder.addNetworkInterceptor(new ConnectionLifetimes());
        builder.addNetworkInterceptor(new FollowUps());
        // the caller's trace context, captured on its thread, for calls that run on the dispatcher's
        EventListener.Factory own = builder.build().eventListenerFactory();
        builder.eventListenerFactory(call -> CallerContext.LISTENER.plus(own.create(call)));
        return builder;
    }

    /**
     * Whether {@code client}'s calls go through a mesh: true when it was made by {@link #newClient} or
     * {@link #configure} (or derived from such a client with {@code newBuilder()}), false for a plain client.
     */
    public static boolean routesThroughMesh(OkHttpClient client) {
        for (okhttp3.Interceptor interceptor : client.interceptors()) {
            if (interceptor instanceof MeshInterceptor) {
                return true;
            }
        }
        return false;
    }

    /** The client mirrored copies go through, built on first use. */
    private static final class MirrorClient {
        private final Mirrors mirrors;
        private volatile OkHttpClient client;

        MirrorClient(Mesh mesh) {
            this.mirrors = new Mirrors(MIRROR_THREADS, MIRROR_QUEUE, () -> {
                OkHttpClient c = client;
                if (c == null) {
                    synchronized (this) {
                        c = client;
                        if (c == null) {
                            c = new OkHttpClient.Builder().retryOnConnectionFailure(false)
                                    .addInterceptor(new MeshInterceptor(mesh, null))
                                    .addNetworkInterceptor(new ConnectionLifetimes())
                                    .addNetworkInterceptor(new FollowUps()).build();
                            client = c;
                        }
                    }
                }
                return c;
            });
        }
    }
}

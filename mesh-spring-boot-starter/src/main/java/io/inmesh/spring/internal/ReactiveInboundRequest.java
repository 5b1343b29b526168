package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;

/**
 * The mesh's view of a reactive request ({@link ServerHttpRequest}, WebFlux). The path and query are the raw ones
 * of the request line; query parameters are parsed from the query string. The peer's SPIFFE ID comes from the
 * client certificate chain of the connection ({@link ServerHttpRequest#getSslInfo()}), verified against the mesh's
 * trust anchors in force now; without mesh TLS material ({@code Mesh.tls()} null) there is no peer.
 */
public final class ReactiveInboundRequest implements InboundRequest {
    private final ServerHttpRequest request;
    private final MeshTls tls;
    private SpiffeId peer;
    private boolean peerKnown;

    public ReactiveInboundRequest(ServerHttpRequest request, Mesh mesh) {
        this.request = request;
        this.tls = mesh.tls();
    }

    @Override
    public String method() {
        return request.getMethod().name().toUpperCase(Locale.ROOT);
    }

    @Override
    public String host() {
        String host = request.getHeaders().getFirst("host");
        if (host != null) {
            return host;
        }
        String name = request.getURI().getHost();
        int port = request.getURI().getPort();
        if (name == null) {
            InetSocketAddress local = request.getLocalAddress();
            return local == null ? "" : address(local) + ":" + local.getPort();
        }
        return port < 0 ? name : name + ":" + port;
    }

    @Override
    public String path() {
        return rawPath(request);
    }

    /** The raw (still encoded) path of the request line, {@code /} when empty. */
    public static String rawPath(ServerHttpRequest request) {
        String path = request.getURI().getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    @Override
    public String query() {
        return request.getURI().getRawQuery();
    }

    @Override
    public String header(String lowerCaseName) {
        return request.getHeaders().getFirst(lowerCaseName);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        List<String> values = request.getHeaders().get(lowerCaseName);
        return values == null ? List.of() : List.copyOf(values);
    }

    @Override
    public SpiffeId peer() {
        if (!peerKnown) {
            peer = verifiedPeer();
            peerKnown = true;
        }
        return peer;
    }

    private SpiffeId verifiedPeer() {
        SslInfo ssl = request.getSslInfo();
        if (tls == null || ssl == null) {
            return null;
        }
        return tls.verifiedPeer(ssl.getPeerCertificates());
    }

    @Override
    public String sourceIp() {
        InetSocketAddress remote = request.getRemoteAddress();
        return remote == null ? null : address(remote);
    }

    @Override
    public String destinationIp() {
        InetSocketAddress local = request.getLocalAddress();
        return local == null ? null : address(local);
    }

    @Override
    public int destinationPort() {
        InetSocketAddress local = request.getLocalAddress();
        return local == null ? -1 : local.getPort();
    }

    @Override
    public String sni() {
        return null;
    }

    /** The IP address of a socket address, without a DNS lookup. */
    public static String address(InetSocketAddress address) {
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }
}

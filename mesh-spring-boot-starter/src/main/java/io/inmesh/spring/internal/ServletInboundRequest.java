package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The mesh's view of a servlet request. Query parameters are parsed from the query string only ({@code
 * getParameter} would read a form body the application has not read yet). The peer's SPIFFE ID comes from the
 * client certificate chain the container exposes as {@value #CERTIFICATES_ATTRIBUTE}, verified against the mesh's
 * trust anchors in force now; without mesh TLS material ({@code Mesh.tls()} null) there is no peer.
 */
public final class ServletInboundRequest implements InboundRequest {
    /** The servlet specification's request attribute for the client certificate chain. */
    public static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    private final HttpServletRequest request;
    private final MeshTls tls;
    private SpiffeId peer;
    private boolean peerKnown;

    public ServletInboundRequest(HttpServletRequest request, Mesh mesh) {
        this.request = request;
        this.tls = mesh.tls();
    }

    @Override
    public String method() {
        return request.getMethod().toUpperCase(Locale.ROOT);
    }

    @Override
    public String host() {
        String host = request.getHeader("host");
        if (host != null) {
            return host;
        }
        return request.getServerName() + ":" + request.getServerPort();
    }

    @Override
    public String path() {
        String uri = request.getRequestURI();
        return uri == null || uri.isEmpty() ? "/" : uri;
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    @Override
    public String header(String lowerCaseName) {
        return request.getHeader(lowerCaseName);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        Enumeration<String> values = request.getHeaders(lowerCaseName);
        return values == null ? List.of() : Collections.list(values);
    }

    /** Query-string decoding, as {@link InboundRequest#queryParameter} does it. */
    static String decode(String s) {
        return InboundRequest.decodeQueryPart(s);
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
        if (tls == null || !(request.getAttribute(CERTIFICATES_ATTRIBUTE) instanceof X509Certificate[])) {
            return null;
        }
        return tls.verifiedPeer((X509Certificate[]) request.getAttribute(CERTIFICATES_ATTRIBUTE));
    }

    @Override
    public String sourceIp() {
        return request.getRemoteAddr();
    }

    @Override
    public String destinationIp() {
        return request.getLocalAddr();
    }

    @Override
    public int destinationPort() {
        return request.getLocalPort();
    }

    @Override
    public String sni() {
        return null;
    }
}

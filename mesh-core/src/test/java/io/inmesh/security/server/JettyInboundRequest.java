package io.inmesh.security.server;

import io.inmesh.security.InboundRequest;
import io.inmesh.security.MeshTls;
import io.inmesh.security.SpiffeId;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The mesh's view of a Jetty 12 core request. The TLS session, when there is one, comes from the connection's end
 * point: behind an {@code SslConnectionFactory} (directly or chosen by a {@code DetectorConnectionFactory}) the
 * {@code HttpConnection}'s end point is the decrypting one, whose {@link EndPoint#getSslSessionData()} holds the
 * session; on plaintext it is null. Jetty's {@code SecureRequestCustomizer} would copy the same data into the
 * request attribute {@link EndPoint.SslSessionData#ATTRIBUTE}, but it also checks SNI against the certificate's DNS
 * names, which mesh certificates do not have, so the fixture does without it.
 */
final class JettyInboundRequest implements InboundRequest {
    private final Request request;
    private final SSLSession session;
    private final SpiffeId peer;
    private Fields query;

    JettyInboundRequest(Request request, MeshTls meshTls) {
        this.request = request;
        EndPoint.SslSessionData tls = sslSessionData(request);
        this.session = tls == null ? null : tls.sslSession();
        this.peer = session == null ? null : meshTls.verifiedPeer(session);
    }

    /** The TLS data of the connection {@code request} arrived on, or null for plaintext. */
    static EndPoint.SslSessionData sslSessionData(Request request) {
        return request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
    }

    /** Whether the request arrived over TLS (with or without a client certificate). */
    boolean tls() {
        return session != null;
    }

    /** The negotiated protocol, such as {@code TLSv1.3}, or null on plaintext. */
    String tlsProtocol() {
        return session == null ? null : session.getProtocol();
    }

    @Override
    public String method() {
        return request.getMethod().toUpperCase(Locale.ROOT);
    }

    @Override
    public String host() {
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null ? host : request.getHttpURI().getAuthority();
    }

    @Override
    public String path() {
        String path = request.getHttpURI().getPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    @Override
    public String query() {
        return request.getHttpURI().getQuery();
    }

    @Override
    public String header(String lowerCaseName) {
        return request.getHeaders().get(lowerCaseName);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        return request.getHeaders().getValuesList(lowerCaseName);
    }

    @Override
    public String queryParameter(String name) {
        if (query == null) {
            query = Request.extractQueryParameters(request);
        }
        return query.getValue(name);
    }

    @Override
    public SpiffeId peer() {
        return peer;
    }

    @Override
    public String sourceIp() {
        return Request.getRemoteAddr(request);
    }

    @Override
    public String destinationIp() {
        return Request.getLocalAddr(request);
    }

    @Override
    public int destinationPort() {
        return Request.getLocalPort(request);
    }

    @Override
    public String sni() {
        if (!(session instanceof ExtendedSSLSession)) {
            return null;
        }
        for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
            if (name instanceof SNIHostName) {
                return ((SNIHostName) name).getAsciiName();
            }
        }
        return null;
    }
}

package io.inmesh.security.internal.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An {@link SSLSocketFactory} whose sockets speak only the mesh's protocols (TLS 1.3, then 1.2) and never check
 * host names (peers are verified by SPIFFE ID in the trust manager).
 */
public final class ProtocolSocketFactory extends SSLSocketFactory {
    /** TLS 1.3 preferred, 1.2 the minimum. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SSLSocketFactory delegate;

    public ProtocolSocketFactory(SSLSocketFactory delegate) {
        this.delegate = delegate;
    }

    /** The mesh's protocols among {@code supported}, in preference order. */
    public static String[] protocols(String[] supported) {
        List<String> s = Arrays.asList(supported);
        return PROTOCOLS.stream().filter(s::contains).toArray(String[]::new);
    }

    private Socket configure(Socket socket) {
        if (socket instanceof SSLSocket ssl) {
            SSLParameters p = ssl.getSSLParameters();
            p.setProtocols(protocols(ssl.getSupportedProtocols()));
            p.setEndpointIdentificationAlgorithm(null);
            ssl.setSSLParameters(p);
        }
        return socket;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
        return configure(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return configure(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
        return configure(delegate.createSocket(s, consumed, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return configure(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return configure(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return configure(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return configure(delegate.createSocket(address, port, localAddress, localPort));
    }
}

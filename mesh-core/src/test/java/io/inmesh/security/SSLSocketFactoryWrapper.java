package io.inmesh.security;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** Restricts a factory's sockets to the given protocols, as a client that speaks only those would. */
final class SSLSocketFactoryWrapper extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final String[] protocols;

    SSLSocketFactoryWrapper(SSLSocketFactory delegate, String... protocols) {
        this.delegate = delegate;
        this.protocols = protocols;
    }

    private Socket restrict(Socket s) {
        ((SSLSocket) s).setEnabledProtocols(protocols);
        return s;
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
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return restrict(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return restrict(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return restrict(delegate.createSocket(address, port, localAddress, localPort));
    }
}

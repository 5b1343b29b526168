package io.inmesh.spring.internal;

import io.inmesh.security.MeshTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.SSLEngine;
import reactor.netty.NettyPipeline;

/**
 * The first handler of each connection on Reactor Netty: looks at the first bytes and, when they start a TLS record,
 * puts the mesh's TLS in its place (server certificate, client certificate requested and verified); otherwise steps
 * aside and lets plaintext HTTP through. One port thus serves both, as Istio's sidecar does on a PERMISSIVE port;
 * the inbound filter then applies PeerAuthentication per request (STRICT refuses a request without a verified client
 * certificate). The TLS handler takes Reactor Netty's own name for it, so that requests on it are {@code https}.
 */
public final class NettyTlsDetector extends ByteToMessageDecoder {
    /** The handler's name in the pipeline. */
    public static final String NAME = "inmesh.tlsDetector";
    /** A TLS record header is five bytes. */
    private static final int RECORD_HEADER = 5;

    private final MeshTls tls;

    public NettyTlsDetector(MeshTls tls) {
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RECORD_HEADER) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            SSLEngine engine = tls.serverContext().createSSLEngine();
            engine.setUseClientMode(false);
            engine.setSSLParameters(tls.serverParameters(false));
            ctx.pipeline().replace(this, NettyPipeline.SslHandler, new SslHandler(engine));
        } else {
            ctx.pipeline().remove(this);
        }
    }
}

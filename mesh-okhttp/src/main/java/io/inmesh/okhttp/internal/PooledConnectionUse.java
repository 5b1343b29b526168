package io.inmesh.okhttp.internal;

import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Protocol;

/**
 * Whether the exchange a try just attempted went out on an HTTP/1 connection OkHttp took from its pool rather than one
 * it opened for it: kept on the call (a tag), set by {@link #LISTENER}'s connection events (the mesh adds the listener
 * to the call when it creates the tag, whatever listeners the client has), reset before each attempt.
 *
 * <p>A GET that fails there before any response met a connection the server had closed while it sat in the pool (an
 * idle timeout, a restart): OkHttp checks a pooled connection thoroughly before other methods only, and Envoy would
 * have seen the close and not used it. The mesh then sends the GET again, outside the retry policy.
 */
final class PooledConnectionUse {
    private volatile boolean acquired;
    private volatile boolean opened;
    /** {@link #LISTENER} was added to the call (by the thread running its tries, one after another). */
    boolean listening;

    PooledConnectionUse() {
    }

    /** Before an attempt. */
    void reset() {
        acquired = false;
        opened = false;
    }

    /** The attempt got an HTTP/1 connection, and it was not one opened for it. */
    boolean wasPooled() {
        return acquired && !opened;
    }

    /** Notes connection events of calls that carry a {@link PooledConnectionUse}; nothing for other calls. */
    static final EventListener LISTENER = new EventListener() {
        @Override
        public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
            PooledConnectionUse use = call.tag(PooledConnectionUse.class);
            if (use != null) {
                use.opened = true;
            }
        }

        @Override
        public void connectionAcquired(Call call, Connection connection) {
            PooledConnectionUse use = call.tag(PooledConnectionUse.class);
            // HTTP/1 only: an HTTP/2 connection is shared by design, and its failures say more than "closed while idle"
            Protocol protocol = connection.protocol();
            if (use != null && (protocol == Protocol.HTTP_1_1 || protocol == Protocol.HTTP_1_0)) {
                use.acquired = true;
            }
        }
    };
}

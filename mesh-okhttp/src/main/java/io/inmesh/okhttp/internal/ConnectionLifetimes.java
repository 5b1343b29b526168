package io.inmesh.okhttp.internal;

import io.inmesh.config.DestinationRule.ConnectionPoolSettings;
import io.inmesh.traffic.internal.DestinationPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The DestinationRule's connection lifetimes, applied to OkHttp's connections: {@code http.idleTimeout} (else
 * {@code tcp.idleTimeout}) as the keep-alive of a connection pool of the destination's own;
 * {@code http.maxRequestsPerConnection} and {@code tcp.maxConnectionDuration} by asking, with
 * {@code Connection: close} on the request that reaches the limit, that the connection take no further exchange.
 * A network interceptor; it does nothing for destinations that set none of these.
 */
public final class ConnectionLifetimes implements Interceptor {

    /** The limits of the destination a try goes to, as a tag on the try's request. */
    record Limits(int maxRequestsPerConnection, long maxConnectionDurationNanos) {
        static Limits of(DestinationPolicy policy) {
            ConnectionPoolSettings pool = policy.connectionPool();
            if (pool == null) {
                return null;
            }
            int max = pool.http() == null || pool.http().maxRequestsPerConnection() == null ? 0
                    : Math.max(0, pool.http().maxRequestsPerConnection());
            Duration d = pool.tcp() == null ? null : pool.tcp().maxConnectionDuration();
            long dur = d == null || d.isNegative() ? 0 : d.toNanos();
            return max == 0 && dur == 0 ? null : new Limits(max, dur);
        }
    }

    private static final class Usage {
        final long born = System.nanoTime();
        int requests;
    }

    private final Map<Connection, Usage> usage = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        Limits limits = request.tag(Limits.class);
        Connection connection = chain.connection();
        if (limits == null || connection == null) {
            return chain.proceed(request);
        }
        boolean last;
        synchronized (usage) {
            Usage u = usage.computeIfAbsent(connection, c -> new Usage());
            u.requests++;
            last = (limits.maxRequestsPerConnection() > 0 && u.requests >= limits.maxRequestsPerConnection())
                    || (limits.maxConnectionDurationNanos() > 0
                    && System.nanoTime() - u.born >= limits.maxConnectionDurationNanos());
        }
        if (last) {
            request = request.newBuilder().header("Connection", "close").build();
        }
        return chain.proceed(request);
    }

    /** Connection pools per idle timeout, shared by destinations with the same one. */
    static final class Pools {
        private final Map<Long, ConnectionPool> byIdleMillis = new java.util.concurrent.ConcurrentHashMap<>();

        /** The pool for the destination's idle timeout, or null to use the client's own pool. */
        ConnectionPool poolFor(DestinationPolicy policy) {
            ConnectionPoolSettings pool = policy.connectionPool();
            if (pool == null) {
                return null;
            }
            Duration idle = pool.http() != null && pool.http().idleTimeout() != null ? pool.http().idleTimeout()
                    : pool.tcp() != null ? pool.tcp().idleTimeout() : null;
            if (idle == null || idle.isNegative() || idle.isZero()) {
                return null;
            }
            long ms = idle.toMillis();
            ConnectionPool p = byIdleMillis.get(ms);
            if (p == null) {
                p = byIdleMillis.computeIfAbsent(ms, k -> new ConnectionPool(5, k, TimeUnit.MILLISECONDS));
            }
            return p;
        }
    }
}

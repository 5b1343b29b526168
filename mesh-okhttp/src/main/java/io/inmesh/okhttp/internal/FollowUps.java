package io.inmesh.okhttp.internal;

import io.inmesh.telemetry.internal.ClientCall;
import io.inmesh.telemetry.internal.TelemetryPlane;
import io.inmesh.traffic.internal.MeshCall;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A network interceptor for the requests OkHttp sends on its own within one mesh try: the redirects it follows and
 * the authentication challenges it answers. Each gets a client span of its own (a resend, in the semantic
 * conventions' terms) whose context it carries, rather than repeating the try's parent id. A follow-up to another
 * host loses the mesh's {@code Host} header and its peer metadata.
 */
public final class FollowUps implements Interceptor {

    /** Tag on a try's request: what a follow-up of it needs. Requests copied by OkHttp keep their tags. */
    static final class Trace {
        final ClientCall tel;
        final MeshCall call;
        final MeshCall.Try meshTry;
        final boolean meshMtls;
        final String serverAddress;
        final int serverPort;
        private HttpUrl first;
        private int sent;

        Trace(ClientCall tel, MeshCall call, MeshCall.Try meshTry, boolean meshMtls, String serverAddress,
              int serverPort) {
            this.tel = tel;
            this.call = call;
            this.meshTry = meshTry;
            this.meshMtls = meshMtls;
            this.serverAddress = serverAddress;
            this.serverPort = serverPort;
        }
    }

    private static final io.opentelemetry.context.propagation.TextMapSetter<Request.Builder> SETTER =
            (b, name, value) -> {
                if (b != null) {
                    b.header(name, value);
                }
            };

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        Trace trace = request.tag(Trace.class);
        if (trace == null) {
            return chain.proceed(request);
        }
        int resend = trace.sent++;
        if (resend == 0) {
            trace.first = request.url();
            return chain.proceed(request); // the try itself: its span is the mesh interceptor's
        }
        HttpUrl url = request.url();
        boolean sameHost = url.host().equals(trace.first.host()) && url.port() == trace.first.port();
        ClientCall.Try span = trace.tel.followUp(trace.call, trace.meshTry, trace.meshMtls && sameHost,
                url.scheme(), url.host(), url.port(), url.encodedPath(), trace.serverAddress, trace.serverPort,
                trace.meshTry.number - 1 + resend);
        Request.Builder b = request.newBuilder();
        trace.tel.inject(span, b, SETTER);
        if (!sameHost) {
            b.removeHeader(TelemetryPlane.PEER_HEADER);
            b.header("Host", url.port() == HttpUrl.defaultPort(url.scheme()) ? hostOf(url)
                    : hostOf(url) + ":" + url.port());
        }
        Response response;
        try {
            response = chain.proceed(b.build());
        } catch (IOException | RuntimeException | Error e) {
            span.end(0, 0, e, null);
            throw e;
        }
        span.end(response.code(), 0, null, null);
        return response;
    }

    private static String hostOf(HttpUrl url) {
        return url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host();
    }
}

package io.inmesh.spring.internal.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Objects;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.AbstractBufferingClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Spring's blocking {@link ClientHttpRequestFactory} (for {@code RestClient} and {@code RestTemplate}) over an
 * {@link OkHttpClient}: with the mesh's client, every exchange goes through the mesh's interceptor (routing,
 * retries, timeouts, faults, mirroring, mTLS, spans, metrics).
 *
 * <ul>
 *   <li>The request body is buffered in memory and sent as a replayable body, so that the mesh can retry and
 *       mirror the request.</li>
 *   <li>The response body is streamed from the connection; closing the response (Spring does) releases it and
 *       ends the mesh's telemetry for the call.</li>
 *   <li>Headers are copied both ways with every value; OkHttp writes {@code Content-Length} from the body.</li>
 *   <li>Failures are OkHttp's {@link IOException}s ({@code ConnectException}, {@code SocketTimeoutException},
 *       {@code SSLException}, {@code UnknownHostException}, an {@code InterruptedIOException} for OkHttp's call
 *       timeout), which {@code RestClient} reports as {@code ResourceAccessException}. Answers the mesh gives itself
 *       (an injected abort, 503 without a healthy endpoint, 504 on a route timeout) are responses, as with a
 *       sidecar.</li>
 *   <li>Timeouts are the OkHttpClient's and the mesh's (VirtualService {@code timeout}, retries'
 *       {@code perTryTimeout}).</li>
 * </ul>
 */
public final class OkHttpClientHttpRequestFactory implements ClientHttpRequestFactory {
    private final OkHttpClient client;

    public OkHttpClientHttpRequestFactory(OkHttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The OkHttpClient requests go through. */
    public OkHttpClient client() {
        return client;
    }

    @Override
    public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
        return new OkHttpRequest(client, uri, httpMethod);
    }

    /** One request: headers and body buffered until {@code execute()}, then one blocking OkHttp call. */
    private static final class OkHttpRequest extends AbstractBufferingClientHttpRequest {
        private final OkHttpClient client;
        private final URI uri;
        private final HttpMethod method;

        OkHttpRequest(OkHttpClient client, URI uri, HttpMethod method) {
            this.client = client;
            this.uri = uri;
            this.method = method;
        }

        @Override
        public HttpMethod getMethod() {
            return method;
        }

        @Override
        public URI getURI() {
            return uri;
        }

        @Override
        protected ClientHttpResponse executeInternal(HttpHeaders headers, byte[] body) throws IOException {
            Call call = client.newCall(OkHttpMessages.request(method, uri, headers, body));
            return new OkHttpResponse(call.execute());
        }
    }

    /** The response: status and headers read once, the body streamed from the connection. */
    private static final class OkHttpResponse implements ClientHttpResponse {
        private final Response response;
        private HttpHeaders headers;
        private InputStream body;

        OkHttpResponse(Response response) {
            this.response = response;
        }

        @Override
        public HttpStatusCode getStatusCode() {
            return HttpStatusCode.valueOf(response.code());
        }

        @Override
        public String getStatusText() {
            return response.message();
        }

        @Override
        public HttpHeaders getHeaders() {
            HttpHeaders h = headers;
            if (h == null) {
                h = HttpHeaders.readOnlyHttpHeaders(OkHttpMessages.headers(response.headers()));
                headers = h;
            }
            return h;
        }

        @Override
        public InputStream getBody() {
            InputStream in = body;
            if (in == null) {
                in = new ZeroLengthReads(response.body().byteStream());
                body = in;
            }
            return in;
        }

        @Override
        public void close() {
            response.close();
        }
    }

    /**
     * Okio's input stream blocks for data on a read of zero bytes; {@link InputStream}'s contract (which
     * {@code InputStream.readNBytes} relies on once it has what it asked for) is to return 0 at once.
     */
    private static final class ZeroLengthReads extends FilterInputStream {
        ZeroLengthReads(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            return len == 0 ? 0 : in.read(b, off, len);
        }
    }
}

package io.inmesh.spring.internal.client;

import java.net.URI;
import java.util.Locale;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * Spring's request (method, URI, headers, a buffered body) as an OkHttp {@link Request}, and OkHttp's response
 * headers as Spring's {@link HttpHeaders}, for the blocking request factory and the reactive connector alike.
 *
 * <p>Headers go over as they are, every value of every name in order. Two are OkHttp's to write from the body:
 * {@code Content-Length} (the body's length; Spring's buffering request sets it to the buffer's size anyway) and
 * {@code Transfer-Encoding}. {@code Content-Type} is kept verbatim (the body carries no media type of its own, so
 * OkHttp does not rewrite it).
 */
final class OkHttpMessages {
    private static final byte[] NO_BYTES = new byte[0];

    private OkHttpMessages() {
    }

    /** The OkHttp request for Spring's; {@code body} null or empty when there is none. */
    static Request request(HttpMethod method, URI uri, HttpHeaders headers, byte[] body) {
        HttpUrl url = HttpUrl.parse(uri.toString());
        if (url == null) {
            throw new IllegalArgumentException("Not an absolute http or https URL: \"" + uri
                    + "\" (a @MeshClient's RestClient and WebClient resolve relative URIs against their base URL)");
        }
        Request.Builder b = new Request.Builder().url(url);
        Headers.Builder h = new Headers.Builder();
        headers.forEach((name, values) -> {
            if (name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)
                    || name.equalsIgnoreCase(HttpHeaders.TRANSFER_ENCODING)) {
                return;
            }
            for (String value : values) {
                h.add(name, value);
            }
        });
        b.headers(h.build());
        b.method(method.name(), body(method.name(), body));
        return b.build();
    }

    /**
     * The request body: the bytes when there are any; for an empty one, none for methods that may go without
     * (GET, HEAD, DELETE, OPTIONS, ...) and zero bytes for those that need one (POST, PUT, PATCH, ...). Never
     * one-shot, so that the mesh may retry and mirror the request.
     */
    private static RequestBody body(String method, byte[] bytes) {
        if (bytes != null && bytes.length > 0) {
            return RequestBody.create(bytes, null);
        }
        return requiresBody(method) ? RequestBody.create(NO_BYTES, null) : null;
    }

    /** The methods OkHttp refuses to send without a body. */
    private static boolean requiresBody(String method) {
        switch (method.toUpperCase(Locale.ROOT)) {
            case "POST":
            case "PUT":
            case "PATCH":
            case "PROPPATCH":
            case "REPORT":
            case "QUERY":
                return true;
            default:
                return false;
        }
    }

    /** OkHttp's response headers as Spring's: every value of every name, in order. */
    static HttpHeaders headers(Headers headers) {
        HttpHeaders out = new HttpHeaders();
        for (int i = 0, n = headers.size(); i < n; i++) {
            out.add(headers.name(i), headers.value(i));
        }
        return out;
    }
}

package io.inmesh.spring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.spring.internal.client.OkHttpClientHttpRequestFactory;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/** RestClient over the OkHttp request factory, against a real loopback server, without a mesh. */
class OkHttpClientHttpRequestFactoryTest {
    final MockWebServer server = new MockWebServer();
    final OkHttpClient okHttp = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();
    RestClient client;

    @BeforeEach
    void setUp() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
        client = RestClient.builder().baseUrl("http://127.0.0.1:" + server.getPort())
                .requestFactory(new OkHttpClientHttpRequestFactory(okHttp)).build();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void requestHeadersGoOverWithEveryValueAndTheContentTypeVerbatim() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        String body = "{\"stars\": \"f\u00fcnf\"}";
        String answer = client.post().uri("/ratings/{id}", 7)
                .header("x-multi", "a", "b")
                .header("Accept", "application/json")
                .contentType(MediaType.parseMediaType("application/vnd.inmesh+json; charset=UTF-8; v=1"))
                .body(body).retrieve().body(String.class);
        assertThat(answer).isEqualTo("ok");
        RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getMethod()).isEqualTo("POST");
        assertThat(seen.getTarget()).isEqualTo("/ratings/7");
        assertThat(seen.getHeaders().values("x-multi")).containsExactly("a", "b");
        assertThat(seen.getHeaders().get("Content-Type")).isEqualTo("application/vnd.inmesh+json;charset=UTF-8;v=1");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertThat(seen.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(bytes.length));
        assertThat(seen.getHeaders().values("Content-Length")).hasSize(1);
        assertThat(seen.getBody().toByteArray()).isEqualTo(bytes);
    }

    @Test
    void aGetHasNoBodyAndNoContentLengthAndAnEmptyPostHasZeroBytes() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("got").build());
        server.enqueue(new MockResponse.Builder().code(201).build());
        server.enqueue(new MockResponse.Builder().code(204).build());
        assertThat(client.get().uri("/a").retrieve().body(String.class)).isEqualTo("got");
        assertThat(client.post().uri("/b").retrieve().toBodilessEntity().getStatusCode().value()).isEqualTo(201);
        assertThat(client.delete().uri("/c").retrieve().toBodilessEntity().getStatusCode().value()).isEqualTo(204);
        RecordedRequest get = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(get.getMethod()).isEqualTo("GET");
        assertThat(get.getHeaders().get("Content-Length")).isNull();
        assertThat(get.getBodySize()).isZero();
        RecordedRequest post = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(post.getMethod()).isEqualTo("POST");
        assertThat(post.getHeaders().get("Content-Length")).isEqualTo("0");
        RecordedRequest delete = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(delete.getMethod()).isEqualTo("DELETE");
        assertThat(delete.getHeaders().get("Content-Length")).isNull();
    }

    @Test
    void responseStatusReasonAndHeadersWithEveryValue() {
        server.enqueue(new MockResponse.Builder().status("HTTP/1.1 299 Quite Fine")
                .addHeader("x-multi", "1").addHeader("X-Multi", "2")
                .addHeader("Set-Cookie", "a=1; Path=/").addHeader("Set-Cookie", "b=2")
                .addHeader("Content-Type", "text/plain; charset=utf-8").body("fine").build());
        ResponseEntity<String> entity = client.get().uri("/").exchange((request, response) -> {
            assertThat(response.getStatusText()).isEqualTo("Quite Fine");
            return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                    .body(new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8));
        });
        assertThat(entity.getStatusCode().value()).isEqualTo(299);
        HttpHeaders headers = entity.getHeaders();
        assertThat(headers.get("x-multi")).containsExactly("1", "2");
        assertThat(headers.get("set-cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(headers.getContentType()).isEqualTo(MediaType.parseMediaType("text/plain; charset=utf-8"));
        assertThat(headers.getContentLength()).isEqualTo(4);
        assertThat(entity.getBody()).isEqualTo("fine");
    }

    /**
     * The first bytes reach the application while the server still holds back the rest. {@code readNBytes} ends
     * with a read of zero bytes, which must return at once (okio's stream would wait for more data).
     */
    @Test
    void theResponseBodyIsStreamed() throws Exception {
        CountDownLatch proceed = new CountDownLatch(1);
        try (StreamingServer streaming = new StreamingServer(100, 1_000_000, proceed)) {
            long read = client.get().uri("http://127.0.0.1:" + streaming.port() + "/stream")
                    .exchange((request, response) -> {
                        InputStream in = response.getBody();
                        byte[] first = in.readNBytes(100);
                        assertThat(first).hasSize(100);
                        assertThat(streaming.outcome.get()).as("the server has not written the rest").isNull();
                        proceed.countDown();
                        return first.length + in.transferTo(java.io.OutputStream.nullOutputStream());
                    });
            assertThat(read).isEqualTo(1_000_000);
            assertThat(streaming.ended.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(streaming.outcome.get()).isEqualTo("completed");
        }
    }

    @Test
    void aRefusedConnectionIsAResourceAccessExceptionWithTheConnectException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RestClient refused = client.mutate().baseUrl("http://127.0.0.1:" + port).build();
        assertThatThrownBy(() -> refused.get().uri("/x").retrieve().body(String.class))
                .isInstanceOf(ResourceAccessException.class)
                .hasMessageContaining("GET request for \"http://127.0.0.1:" + port + "/x\"")
                .hasCauseInstanceOf(ConnectException.class);
    }

    @Test
    void aReadTimeoutIsAResourceAccessExceptionWithTheSocketTimeoutException() {
        server.enqueue(new MockResponse.Builder().code(200).headersDelay(10, TimeUnit.SECONDS).build());
        RestClient impatient = client.mutate().requestFactory(new OkHttpClientHttpRequestFactory(
                okHttp.newBuilder().readTimeout(Duration.ofMillis(200)).build())).build();
        assertThatThrownBy(() -> impatient.get().uri("/slow").retrieve().body(String.class))
                .isInstanceOf(ResourceAccessException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void errorStatusesReachRestClientsHandlers() {
        server.enqueue(new MockResponse.Builder().code(404).body("no such rating").build());
        assertThatThrownBy(() -> client.get().uri("/missing").retrieve().body(String.class))
                .isInstanceOf(org.springframework.web.client.HttpClientErrorException.NotFound.class)
                .hasMessageContaining("no such rating");
    }
}

package io.inmesh.spring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.inmesh.spring.internal.client.OkHttpClientHttpConnector;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

/** WebClient over the OkHttp connector, against real loopback servers, without a mesh. */
class OkHttpClientHttpConnectorTest {
    final MockWebServer server = new MockWebServer();
    final OkHttpClient okHttp = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
    /** Buffers the connector made for response bodies, counted. */
    final AtomicInteger buffersMade = new AtomicInteger();
    final DefaultDataBufferFactory countingFactory = new DefaultDataBufferFactory() {
        @Override
        public DefaultDataBuffer wrap(byte[] bytes) {
            buffersMade.incrementAndGet();
            return super.wrap(bytes);
        }
    };
    final List<Throwable> dropped = new CopyOnWriteArrayList<>();
    OkHttpClientHttpConnector connector;
    WebClient client;

    @BeforeEach
    void setUp() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
        connector = new OkHttpClientHttpConnector(okHttp, countingFactory,
                reactor.core.scheduler.Schedulers.boundedElastic());
        client = WebClient.builder().baseUrl("http://127.0.0.1:" + server.getPort()).clientConnector(connector)
                .build();
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void tearDown() {
        Hooks.resetOnErrorDropped();
        server.close();
    }

    @Test
    void requestHeadersCookiesAndBodyGoOverAndTheResponseComesBackWithEveryHeader() throws Exception {
        server.enqueue(new MockResponse.Builder().code(201)
                .addHeader("x-multi", "1").addHeader("x-multi", "2")
                .addHeader("Set-Cookie", "session=abc; Path=/r; Max-Age=60; HttpOnly; Secure; SameSite=Lax")
                .addHeader("Set-Cookie", "theme=dark")
                .addHeader("Content-Type", "text/plain").body("created").build());
        String body = "{\"stars\": \"f\u00fcnf\"}";
        ResponseEntity<String> entity = client.post().uri("/ratings/{id}", 7)
                .header("x-multi", "a", "b")
                .cookie("c1", "v1").cookie("c2", "v2")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).retrieve().toEntity(String.class).block(Duration.ofSeconds(10));
        assertThat(entity.getStatusCode().value()).isEqualTo(201);
        assertThat(entity.getBody()).isEqualTo("created");
        assertThat(entity.getHeaders().get("x-multi")).containsExactly("1", "2");

        RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getMethod()).isEqualTo("POST");
        assertThat(seen.getTarget()).isEqualTo("/ratings/7");
        assertThat(seen.getHeaders().values("x-multi")).containsExactly("a", "b");
        assertThat(seen.getHeaders().get("Cookie")).isEqualTo("c1=v1; c2=v2");
        assertThat(seen.getHeaders().get("Content-Type")).isEqualTo("application/json");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertThat(seen.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(bytes.length));
        assertThat(seen.getBody().toByteArray()).isEqualTo(bytes);
    }

    @Test
    void responseCookiesAreParsed() {
        server.enqueue(new MockResponse.Builder().code(200)
                .addHeader("Set-Cookie", "session=abc; Path=/r; Max-Age=60; HttpOnly; Secure; SameSite=Lax")
                .addHeader("Set-Cookie", "theme=dark").build());
        MultiValueMap<String, ResponseCookie> cookies = client.get().uri("/")
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.cookies())).block(Duration.ofSeconds(10));
        ResponseCookie session = cookies.getFirst("session");
        assertThat(session.getValue()).isEqualTo("abc");
        assertThat(session.getPath()).isEqualTo("/r");
        assertThat(session.getMaxAge()).isEqualTo(Duration.ofSeconds(60));
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.isSecure()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Lax");
        assertThat(cookies.getFirst("theme").getValue()).isEqualTo("dark");
    }

    @Test
    void aGetWithoutBodyHasNoContentLength() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("got").build());
        assertThat(client.get().uri("/a").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
                .isEqualTo("got");
        RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(seen.getHeaders().get("Content-Length")).isNull();
        assertThat(seen.getBodySize()).isZero();
    }

    /** The first buffer reaches the application while the server still holds back the rest. */
    @Test
    void theResponseBodyIsStreamed() throws Exception {
        CountDownLatch proceed = new CountDownLatch(1);
        try (StreamingServer streaming = new StreamingServer(100, 1_000_000, proceed)) {
            BlockingQueue<Integer> sizes = new LinkedBlockingQueue<>();
            Disposable d = client.get().uri("http://127.0.0.1:" + streaming.port() + "/stream").retrieve()
                    .bodyToFlux(DataBuffer.class)
                    .subscribe(b -> {
                        sizes.add(b.readableByteCount());
                        DataBufferUtils.release(b);
                    }, e -> sizes.add(-1), () -> sizes.add(0));
            Integer first = sizes.poll(10, TimeUnit.SECONDS);
            assertThat(first).as("the first buffer").isEqualTo(100);
            assertThat(streaming.outcome.get()).as("the server has not written the rest").isNull();
            proceed.countDown();
            long total = first;
            for (Integer n = sizes.poll(10, TimeUnit.SECONDS); n != null && n > 0; n = sizes.poll(10, TimeUnit.SECONDS)) {
                total += n;
            }
            assertThat(total).isEqualTo(1_000_000);
            d.dispose();
        }
    }

    /**
     * Buffers are read as the subscriber asks for them, never ahead; canceling mid-body closes the connection,
     * which the server sees as a failed write of the 64 MiB it could not get rid of.
     */
    @Test
    void theResponseBodyIsReadOnDemandAndCancelingItClosesTheConnection() throws Exception {
        try (StreamingServer streaming = new StreamingServer(8192, 64L << 20, new CountDownLatch(0))) {
            BlockingQueue<DataBuffer> received = new LinkedBlockingQueue<>();
            Subscription[] subscription = new Subscription[1];
            client.get().uri("http://127.0.0.1:" + streaming.port() + "/large").retrieve()
                    .bodyToFlux(DataBuffer.class)
                    .subscribe(new BaseSubscriber<DataBuffer>() {
                        @Override
                        protected void hookOnSubscribe(Subscription s) {
                            subscription[0] = s;
                            s.request(1);
                        }

                        @Override
                        protected void hookOnNext(DataBuffer value) {
                            received.add(value);
                        }
                    });
            assertThat(received.poll(10, TimeUnit.SECONDS)).as("the first buffer").isNotNull();
            Thread.sleep(200); // a connector reading ahead would have made more buffers by now
            assertThat(buffersMade.get()).as("buffers read for one request").isEqualTo(1);
            subscription[0].request(2);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();
            Thread.sleep(200);
            assertThat(buffersMade.get()).as("buffers read for three requests").isEqualTo(3);
            assertThat(streaming.outcome.get()).as("the server is still blocked writing").isNull();

            subscription[0].cancel();
            assertThat(streaming.ended.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(streaming.outcome.get()).startsWith("failed: ");
            assertThat(dropped).as("errors dropped by Reactor").isEmpty();
        }
    }

    /** OkHttp's blocking reads run on the connector's own threads, not on the caller's nor on boundedElastic. */
    @Test
    void responseBodiesAreReadOnTheConnectorsOwnThreads() {
        server.enqueue(new MockResponse.Builder().code(200).body("x".repeat(50_000)).build());
        WebClient defaults = WebClient.builder().baseUrl("http://127.0.0.1:" + server.getPort())
                .clientConnector(new OkHttpClientHttpConnector(okHttp)).build();
        List<String> threads = defaults.get().uri("/").retrieve().bodyToFlux(DataBuffer.class)
                .map(b -> {
                    DataBufferUtils.release(b);
                    return Thread.currentThread().getName();
                }).collectList().block(Duration.ofSeconds(10));
        assertThat(threads).isNotEmpty().allMatch(t -> t.startsWith("inmesh-body-reader-"), "a body reader thread");

        // a small body of known length is read with the headers, on OkHttp's thread, and needs no hand-over
        server.enqueue(new MockResponse.Builder().code(200).body("small").build());
        List<String> small = defaults.get().uri("/").retrieve().bodyToFlux(DataBuffer.class)
                .map(b -> {
                    DataBufferUtils.release(b);
                    return Thread.currentThread().getName();
                }).collectList().block(Duration.ofSeconds(10));
        assertThat(small).hasSize(1).noneMatch(t -> t.startsWith("inmesh-body-reader-"));
    }

    @Test
    void cancelingTheExchangeCancelsTheCall() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).headersDelay(20, TimeUnit.SECONDS).body("late").build());
        Disposable d = client.get().uri("/slow").retrieve().toBodilessEntity().subscribe();
        assertThat(server.takeRequest(10, TimeUnit.SECONDS)).as("the request reached the server").isNotNull();
        assertThat(connector.client().dispatcher().runningCallsCount()).isEqualTo(1);
        d.dispose();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> connector.client().dispatcher().runningCallsCount() == 0);
        assertThat(dropped).as("the canceled call's failure is nobody's").isEmpty();
    }

    /**
     * The OpenTelemetry context of the caller is current when the call is enqueued, which is when the mesh's OkHttp
     * adapter captures it ({@code CallerContext}): the one current on the subscribing thread, else the one the
     * reactive chain carries under the starter's key.
     */
    @Test
    void theCallersContextIsCurrentWhenTheCallStarts() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        OkHttpClient recording = okHttp.newBuilder()
                .eventListenerFactory(call -> io.inmesh.okhttp.internal.CallerContext.LISTENER)
                .addInterceptor(chain -> {
                    seen.add(io.opentelemetry.api.trace.Span.fromContext(
                            io.inmesh.okhttp.internal.CallerContext.of(chain.call())).getSpanContext().getTraceId());
                    return chain.proceed(chain.request());
                }).build();
        WebClient web = WebClient.builder().baseUrl("http://127.0.0.1:" + server.getPort())
                .clientConnector(new OkHttpClientHttpConnector(recording)).build();
        io.opentelemetry.context.Context carried = context("0af7651916cd43dd8448eb211c80319c");
        io.opentelemetry.context.Context current = context("1af7651916cd43dd8448eb211c80319c");
        server.enqueue(new MockResponse.Builder().code(200).body("a").build());
        server.enqueue(new MockResponse.Builder().code(200).body("b").build());
        server.enqueue(new MockResponse.Builder().code(200).body("c").build());

        web.get().uri("/carried").retrieve().bodyToMono(String.class)
                .contextWrite(c -> c.put(io.inmesh.spring.internal.OtelContextAccessor.KEY, carried))
                .block(Duration.ofSeconds(10));
        try (io.opentelemetry.context.Scope ignored = current.makeCurrent()) {
            web.get().uri("/current").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
        }
        web.get().uri("/none").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
        assertThat(seen).containsExactly("0af7651916cd43dd8448eb211c80319c", "1af7651916cd43dd8448eb211c80319c",
                io.opentelemetry.api.trace.TraceId.getInvalid());
    }

    private static io.opentelemetry.context.Context context(String traceId) {
        return io.opentelemetry.context.Context.root().with(io.opentelemetry.api.trace.Span.wrap(
                io.opentelemetry.api.trace.SpanContext.create(traceId, "b7ad6b7169203331",
                        io.opentelemetry.api.trace.TraceFlags.getSampled(),
                        io.opentelemetry.api.trace.TraceState.getDefault())));
    }

    @Test
    void aRefusedConnectionIsAWebClientRequestExceptionWithTheConnectException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Mono<String> call = client.get().uri("http://127.0.0.1:" + port + "/x").retrieve().bodyToMono(String.class);
        assertThatThrownBy(() -> call.block(Duration.ofSeconds(10)))
                .isInstanceOf(WebClientRequestException.class)
                .hasCauseInstanceOf(ConnectException.class);
    }

    @Test
    void manyConcurrentCallsToOneHostAreNotHeldToOkHttpsFivePerHost() throws Exception {
        CountDownLatch arrived = new CountDownLatch(20);
        CountDownLatch release = new CountDownLatch(1);
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                release.await(20, TimeUnit.SECONDS);
                return new MockResponse.Builder().code(200).body("ok").build();
            }
        });
        reactor.core.publisher.Sinks.One<List<String>> answers = reactor.core.publisher.Sinks.one();
        Flux.range(0, 20).flatMap(i -> client.get().uri("/c/" + i).retrieve().bodyToMono(String.class), 20)
                .collectList().subscribe(answers::tryEmitValue, answers::tryEmitError);
        boolean together = arrived.await(10, TimeUnit.SECONDS);
        release.countDown();
        assertThat(together).as("all 20 requests at the server at once (%s missing)", arrived.getCount()).isTrue();
        assertThat(answers.asMono().block(Duration.ofSeconds(30))).hasSize(20).containsOnly("ok");
    }
}

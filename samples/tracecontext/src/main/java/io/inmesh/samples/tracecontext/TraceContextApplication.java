package io.inmesh.samples.tracecontext;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service of the W3C Trace Context test harness ({@code w3c/trace-context}, {@code test/}), built with the InMesh
 * starter: {@code POST /test} receives a JSON array of {@code {"url": ..., "arguments": ...}} and, for each element in
 * order, POSTs {@code arguments} as JSON to {@code url} through the mesh's {@code OkHttpClient}, then answers. The
 * mesh's server filter extracts the incoming trace context and starts the server span; each callback is a client
 * span of it, so it carries the same trace id, a new parent id, the flags, and the tracestate when it was valid.
 *
 * <pre>
 * java -jar samples/tracecontext/target/tracecontext.jar --server.port=5000
 * python test.py http://127.0.0.1:5000/test
 * </pre>
 */
@SpringBootApplication
public class TraceContextApplication {
    private static final MediaType JSON = MediaType.get("application/json");

    public static void main(String[] args) {
        SpringApplication.run(TraceContextApplication.class, args);
    }

    /**
     * The application's OpenTelemetry SDK: parent-based sampling, so an incoming sampled flag is honoured and a new
     * trace follows the mesh's decision ({@code mesh.tracing.sampling-percent}); spans are not exported anywhere.
     */
    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry() {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                        .build())
                .build();
    }

    /** The harness's endpoint. */
    @RestController
    static class TestEndpoint {
        private final OkHttpClient client;
        private final JsonMapper json;

        TestEndpoint(OkHttpClient client, JsonMapper json) {
            this.client = client;
            this.json = json;
        }

        /**
         * Makes the callbacks in order, each with the request's trace context (current on this thread: the mesh's
         * filter made it so), and answers 200 once all are done, or 502 naming those that failed.
         */
        @PostMapping(path = "/test")
        ResponseEntity<String> test(@RequestBody List<Map<String, Object>> callbacks) {
            List<String> failed = new ArrayList<>();
            for (Map<String, Object> callback : callbacks) {
                Object url = callback.get("url");
                if (!(url instanceof String)) {
                    failed.add("an element without a \"url\" string: " + callback);
                    continue;
                }
                String body = json.writeValueAsString(callback.get("arguments"));
                Request request = new Request.Builder().url((String) url).post(okhttp3.RequestBody.create(body, JSON))
                        .build();
                try (Response response = client.newCall(request).execute()) {
                    response.body().bytes();
                } catch (IOException | IllegalArgumentException e) {
                    failed.add(url + ": " + e);
                }
            }
            if (!failed.isEmpty()) {
                return ResponseEntity.status(502).body("callbacks failed: " + String.join("; ", failed) + "\n");
            }
            return ResponseEntity.ok("");
        }
    }
}

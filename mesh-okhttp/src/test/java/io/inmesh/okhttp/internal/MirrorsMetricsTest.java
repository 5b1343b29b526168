package io.inmesh.okhttp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.traffic.SimpleRequest;
import io.inmesh.traffic.internal.MeshCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

/** Dropped mirror copies count in {@code inmesh_mirror_dropped_total} for the mirror's host, by reason. */
class MirrorsMetricsTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: hosts, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local, shadow.default.svc.cluster.local]
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              http:
              - route: [{destination: {host: reviews.default.svc.cluster.local}}]
                mirror: {host: shadow.default.svc.cluster.local}
            """;

    @Test
    void dropsAreCountedPerMirrorHostAndReason() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        OkHttpClient blocking = new OkHttpClient.Builder().addInterceptor(chain -> {
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Response.Builder().request(chain.request()).protocol(Protocol.HTTP_1_1).code(200)
                    .message("OK").body(ResponseBody.create(new byte[0], (MediaType) null)).build();
        }).build();
        try (Mesh mesh = Mesh.builder().workload(Workload.of("default"))
                .configFiles(List.of(new ConfigFile("mesh.yaml", CONFIG.getBytes(StandardCharsets.UTF_8))))
                .telemetry(MeshTelemetry.builder().meterRegistry(registry).build()).build()) {
            Mirrors mirrors = new Mirrors(1, 1, () -> blocking);
            String url = "http://reviews.default.svc.cluster.local:9080/";
            MeshCall call = mesh.traffic().start(SimpleRequest.of("POST", url));
            Request oneShot = new Request.Builder().url(url).post(new RequestBody() {
                @Override
                public MediaType contentType() {
                    return null;
                }

                @Override
                public void writeTo(BufferedSink sink) {
                }

                @Override
                public boolean isOneShot() {
                    return true;
                }
            }).build();
            mirrors.send(oneShot, call, 0, io.opentelemetry.context.Context.root());

            Request plain = new Request.Builder().url(url).get().build();
            mirrors.send(plain, call, 0, io.opentelemetry.context.Context.root()); // runs, blocks
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            mirrors.send(plain, call, 0, io.opentelemetry.context.Context.root()); // queued
            mirrors.send(plain, call, 0, io.opentelemetry.context.Context.root()); // queue full: dropped
            release.countDown();

            assertThat(mirrors.dropped()).isEqualTo(2);
            assertThat(count(registry, "one_shot_body")).isEqualTo(1.0);
            assertThat(count(registry, "queue_full")).isEqualTo(1.0);
        }
    }

    private static double count(SimpleMeterRegistry registry, String reason) {
        Counter c = registry.find("inmesh.mirror.dropped")
                .tags("destination_service", "shadow.default.svc.cluster.local", "reason", reason).counter();
        assertThat(c).as(reason).isNotNull();
        return c.count();
    }
}

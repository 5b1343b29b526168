package io.inmesh.spring.soak;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The soak test's server: one endpoint, Istio metrics in Prometheus, an SDK that counts spans started and ended. */
@SpringBootApplication(proxyBeanMethods = false)
public class SoakApplication {
    static final byte[] BODY = "x".repeat(256).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Spans started and ended, by every tracer of the SDK (the mesh's client and server spans). */
    static final class SpanCounter implements SpanProcessor {
        final AtomicLong started = new AtomicLong();
        final AtomicLong ended = new AtomicLong();

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
            started.incrementAndGet();
        }

        @Override
        public boolean isStartRequired() {
            return true;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            ended.incrementAndGet();
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }
    }

    @Bean
    SpanCounter spanCounter() {
        return new SpanCounter();
    }

    @Bean
    OpenTelemetry openTelemetry(SpanCounter counter) {
        return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(counter)
                .setSampler(Sampler.parentBased(Sampler.alwaysOn())).build()).build();
    }

    @Bean
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry meterRegistry() {
        return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }

    @RestController
    static class Endpoints {
        @GetMapping("/data")
        byte[] data() {
            return BODY;
        }
    }
}

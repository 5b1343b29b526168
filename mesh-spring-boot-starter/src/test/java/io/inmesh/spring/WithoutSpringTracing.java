package io.inmesh.spring;

/** Test applications in which the mesh owns the server span: Spring Boot's own tracing and observation are left out. */
public final class WithoutSpringTracing {
    /**
     * The {@code spring.autoconfigure.exclude} property. The client observation auto-configurations need the
     * ObservationRegistry excluded here (spring-boot-webclient and -restclient are on the test classpath).
     */
    public static final String EXCLUDE = "spring.autoconfigure.exclude="
            + "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration,"
            + "org.springframework.boot.webclient.autoconfigure.WebClientObservationAutoConfiguration,"
            + "org.springframework.boot.restclient.autoconfigure.RestClientObservationAutoConfiguration,"
            + "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration,"
            + "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure"
            + ".OpenTelemetryTracingAutoConfiguration,"
            + "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration";

    private WithoutSpringTracing() {
    }
}

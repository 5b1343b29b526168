package io.inmesh.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/** A user's mistake stops start-up with Spring Boot's failure analysis (what is wrong, what to do), not a stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class MeshStartupFailureTest {
    @TempDir
    Path tmp;

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    @Test
    void anInvalidConfigurationIsReportedWithItsDiagnosticsAndWhatToDo(CapturedOutput output) throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                    retries: {attempts: -1}
                """);
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("mesh.config.locations=" + bad).run()).isInstanceOf(Exception.class);
        assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
                .contains(bad + ":8:25: error: VirtualService default/reviews: spec.http[0].retries.attempts")
                .contains("Action:").contains("mesh validate PATH")
                .doesNotContain("at io.inmesh.spring.internal.MeshFactory");
    }

    @Test
    void aMissingCaDirectoryIsReportedNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("mesh.certificates.source=pem-files", "mesh.certificates.directory=" + tmp).run())
                .isInstanceOf(Exception.class);
        assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
                .contains("mesh.certificates.directory " + tmp + ": cannot get a workload certificate")
                .contains("Make sure the files exist");
    }
}

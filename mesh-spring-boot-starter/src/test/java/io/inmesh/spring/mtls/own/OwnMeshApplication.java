package io.inmesh.spring.mtls.own;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** An application that builds its own {@link Mesh} with certificates: the starter backs off and still serves its TLS. */
@SpringBootApplication
@RestController
public class OwnMeshApplication {
    static final Workload SELF = new Workload("default", "own", Map.of("app", "own"));

    @Bean(destroyMethod = "close")
    CertificateSource ownCertificates(@Value("${test.ca-directory}") Path caDirectory) throws Exception {
        return CertificateSources.builtInCa(caDirectory, SpiffeId.of("cluster.local", SELF));
    }

    @Bean(destroyMethod = "close")
    Mesh mesh(CertificateSource ownCertificates) throws Exception {
        return Mesh.builder().workload(SELF).certificates(ownCertificates).configFiles(List.of()).build();
    }

    @GetMapping("/hello")
    String hello() {
        return "hello";
    }
}

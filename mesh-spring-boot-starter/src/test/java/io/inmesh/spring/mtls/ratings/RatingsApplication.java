package io.inmesh.spring.mtls.ratings;

import io.inmesh.spring.MeshService;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The callee of the mutual-TLS tests: answers with the URI SAN of the client certificate it saw ("-" for none). */
@SpringBootApplication
@MeshService(name = "ratings", version = "v1")
@RestController
public class RatingsApplication {
    @GetMapping("/ratings/{id}")
    String rating(@PathVariable String id, HttpServletRequest request) throws CertificateParsingException {
        return "rating " + id + " for " + peer(request);
    }

    @GetMapping("/health")
    String health() {
        return "ok";
    }

    static String peer(HttpServletRequest request) throws CertificateParsingException {
        Object chain = request.getAttribute("jakarta.servlet.request.X509Certificate");
        if (!(chain instanceof X509Certificate[]) || ((X509Certificate[]) chain).length == 0) {
            return "-";
        }
        for (List<?> san : ((X509Certificate[]) chain)[0].getSubjectAlternativeNames()) {
            if (Integer.valueOf(6).equals(san.get(0))) {
                return (String) san.get(1);
            }
        }
        return "?";
    }
}

package io.inmesh.spring.mtls.details;

import io.inmesh.spring.MeshService;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A WebFlux (Reactor Netty) application: answers with the request's scheme and its client certificate's URI SAN. */
@SpringBootApplication
@MeshService(name = "details", version = "v1")
@RestController
public class DetailsApplication {
    /** A functional route: WebFlux's management child context serves it too, on the management port. */
    @org.springframework.context.annotation.Bean
    org.springframework.web.reactive.function.server.RouterFunction<?> secret() {
        return org.springframework.web.reactive.function.server.RouterFunctions.route()
                .GET("/secret", request -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                        .bodyValue("secret"))
                .build();
    }

    @GetMapping("/details")
    String details(ServerHttpRequest request) throws CertificateParsingException {
        return request.getURI().getScheme() + " " + peer(request.getSslInfo());
    }

    static String peer(SslInfo ssl) throws CertificateParsingException {
        X509Certificate[] chain = ssl == null ? null : ssl.getPeerCertificates();
        if (chain == null || chain.length == 0) {
            return "-";
        }
        for (List<?> san : chain[0].getSubjectAlternativeNames()) {
            if (Integer.valueOf(6).equals(san.get(0))) {
                return (String) san.get(1);
            }
        }
        return "?";
    }
}

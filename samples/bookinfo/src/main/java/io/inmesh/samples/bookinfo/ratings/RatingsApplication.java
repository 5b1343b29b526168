package io.inmesh.samples.bookinfo.ratings;

import io.inmesh.spring.MeshService;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * Bookinfo's ratings service (WebFlux on Reactor Netty, whose port takes plaintext and mesh mTLS alike): the stars
 * each reviewer gave.
 */
@SpringBootApplication
@MeshService(name = "ratings", version = "v1", serviceAccount = "bookinfo-ratings")
@RestController
public class RatingsApplication {
    @GetMapping("/ratings/{id}")
    Mono<Map<String, Object>> ratings(@PathVariable String id) {
        int product;
        try {
            product = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "please provide numeric product ID"));
        }
        Map<String, Object> stars = new LinkedHashMap<>();
        stars.put("Reviewer1", 5);
        stars.put("Reviewer2", 4);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", product);
        body.put("ratings", stars);
        return Mono.just(body);
    }

    @GetMapping("/health")
    Mono<Map<String, String>> health() {
        return Mono.just(Map.of("status", "Ratings is healthy"));
    }
}

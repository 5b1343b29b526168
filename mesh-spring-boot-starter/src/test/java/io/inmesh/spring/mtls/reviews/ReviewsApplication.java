package io.inmesh.spring.mtls.reviews;

import io.inmesh.spring.MeshService;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The caller of the mutual-TLS tests: calls ratings through the mesh's OkHttpClient and answers what it got. */
@SpringBootApplication
@MeshService(name = "reviews", version = "${reviews.version:v1}")
@RestController
public class ReviewsApplication {
    private final OkHttpClient client;

    ReviewsApplication(OkHttpClient client) {
        this.client = client;
    }

    @GetMapping("/reviews")
    String reviews() throws IOException {
        try (Response r = client.newCall(new Request.Builder().url("http://ratings:9080/ratings/7").build())
                .execute()) {
            return "reviews got " + r.code() + ": " + r.body().string();
        }
    }
}

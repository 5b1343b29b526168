package io.inmesh.samples.bookinfo.reviews;

import io.inmesh.spring.MeshClient;
import io.inmesh.spring.MeshService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * Bookinfo's reviews service (Spring MVC on Tomcat), in three versions as Istio's: v1 shows no ratings, v2 black stars,
 * v3 red stars; v2 and v3 ask ratings through the mesh ({@code @MeshClient}), forwarding the {@code end-user} header
 * as Istio's sample does (trace context is carried by the mesh).
 */
@SpringBootApplication
@MeshService(name = "reviews", version = "${bookinfo.version}", serviceAccount = "bookinfo-reviews")
@RestController
public class ReviewsApplication {
    private static final String[][] REVIEWS = {
            {"Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"},
            {"Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays"
                    + " by Shakespeare."}};

    private final RestClient ratings;
    private final String version;

    ReviewsApplication(@MeshClient("ratings:9080") RestClient ratings, @Value("${bookinfo.version}") String version) {
        this.ratings = ratings;
        this.version = version;
    }

    @GetMapping("/reviews/{id}")
    Map<String, Object> reviews(@PathVariable String id,
                                @RequestHeader(name = "end-user", required = false) String user) {
        String color = version.equals("v2") ? "black" : version.equals("v3") ? "red" : null;
        Map<String, Object> stars = null;
        String ratingsError = null;
        if (color != null) {
            try {
                Map<String, Object> answer = ratings.get().uri("/ratings/{id}", id)
                        .headers(h -> {
                            if (user != null) {
                                h.set("end-user", user);
                            }
                        })
                        .retrieve().body(new ParameterizedTypeReference<Map<String, Object>>() { });
                @SuppressWarnings("unchecked")
                Map<String, Object> byReviewer = answer == null ? null : (Map<String, Object>) answer.get("ratings");
                stars = byReviewer;
            } catch (RestClientException e) {
                ratingsError = "Ratings service is currently unavailable";
            }
        }
        List<Map<String, Object>> reviews = new ArrayList<>();
        for (String[] r : REVIEWS) {
            Map<String, Object> review = new LinkedHashMap<>();
            review.put("reviewer", r[0]);
            review.put("text", r[1]);
            if (color != null) {
                Map<String, Object> rating = new LinkedHashMap<>();
                if (stars != null && stars.get(r[0]) != null) {
                    rating.put("stars", stars.get(r[0]));
                    rating.put("color", color);
                } else {
                    rating.put("error", ratingsError != null ? ratingsError : "no rating");
                }
                review.put("rating", rating);
            }
            reviews.add(review);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("podname", "reviews-" + version);
        body.put("version", version);
        body.put("reviews", reviews);
        return body;
    }

    @GetMapping("/health")
    Map<String, String> health() {
        return Map.of("status", "Reviews is healthy");
    }
}

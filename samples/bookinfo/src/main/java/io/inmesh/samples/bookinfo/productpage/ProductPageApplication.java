package io.inmesh.samples.bookinfo.productpage;

import io.inmesh.spring.MeshClient;
import io.inmesh.spring.MeshService;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.HtmlUtils;
import reactor.core.publisher.Mono;

/**
 * Bookinfo's product page (WebFlux on Reactor Netty: its port takes the browser's plaintext and mesh mTLS alike,
 * PERMISSIVE). It asks details and reviews through the mesh ({@code @MeshClient} WebClients) in parallel, forwarding
 * the {@code end-user} header, and renders HTML, or JSON for {@code Accept: application/json}. The user is the
 * {@code end-user} header, else the {@code u} query parameter, else the {@code user} cookie ({@code /login?u=jason}).
 */
@SpringBootApplication
@MeshService(name = "productpage", version = "v1", serviceAccount = "bookinfo-productpage")
@RestController
public class ProductPageApplication {
    /** Istio's product page waits 3 s for each service. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };

    private final WebClient details;
    private final WebClient reviews;

    ProductPageApplication(@MeshClient("details:9080") WebClient details,
                           @MeshClient("reviews:9080") WebClient reviews) {
        this.details = details;
        this.reviews = reviews;
    }

    @GetMapping("/health")
    Map<String, String> health() {
        return Map.of("status", "Product page is healthy");
    }

    @GetMapping("/")
    ResponseEntity<Void> index() {
        return ResponseEntity.status(HttpStatus.FOUND).location(URI.create("/productpage")).build();
    }

    @GetMapping("/login")
    ResponseEntity<Void> login(@RequestParam("u") String user) {
        return ResponseEntity.status(HttpStatus.FOUND).location(URI.create("/productpage"))
                .header("Set-Cookie", ResponseCookie.from("user", user).path("/").httpOnly(true).build().toString())
                .build();
    }

    @GetMapping("/logout")
    ResponseEntity<Void> logout() {
        return ResponseEntity.status(HttpStatus.FOUND).location(URI.create("/productpage"))
                .header("Set-Cookie", ResponseCookie.from("user", "").path("/").maxAge(0).build().toString())
                .build();
    }

    @GetMapping("/productpage")
    Mono<ResponseEntity<?>> productPage(ServerHttpRequest request) {
        String user = user(request);
        Mono<Map<String, Object>> d = call(details, "/details/0", user)
                .onErrorResume(e -> Mono.just(Map.of("error", "Sorry, product details are currently unavailable"
                        + " for this book.")));
        Mono<Map<String, Object>> r = call(reviews, "/reviews/0", user).map(ProductPageApplication::reviewsView)
                .onErrorResume(e -> Mono.just(Map.of("error", "Sorry, product reviews are currently unavailable"
                        + " for this book.")));
        boolean json = request.getHeaders().getAccept().stream()
                .anyMatch(t -> t.isCompatibleWith(MediaType.APPLICATION_JSON) && !t.isWildcardType());
        return Mono.zip(d, r).map(both -> {
            Map<String, Object> page = new LinkedHashMap<>();
            page.put("product", Map.of("id", 0, "title", "The Comedy of Errors"));
            page.put("user", user);
            page.put("details", both.getT1());
            page.put("reviews", both.getT2());
            if (json) {
                return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(page);
            }
            return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(Html.render(page));
        });
    }

    private static String user(ServerHttpRequest request) {
        String header = request.getHeaders().getFirst("end-user");
        if (header != null && !header.isBlank()) {
            return header;
        }
        String query = request.getQueryParams().getFirst("u");
        if (query != null && !query.isBlank()) {
            return query;
        }
        HttpCookie cookie = request.getCookies().getFirst("user");
        return cookie == null || cookie.getValue().isBlank() ? null : cookie.getValue();
    }

    private static Mono<Map<String, Object>> call(WebClient client, String path, String user) {
        return client.get().uri(path).headers(h -> {
            if (user != null) {
                h.set("end-user", user);
            }
        }).retrieve().bodyToMono(JSON).timeout(TIMEOUT);
    }

    /** What the page shows of reviews' answer: the version, Reviewer1's stars and color, every review. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> reviewsView(Map<String, Object> answer) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", answer.get("version"));
        List<Map<String, Object>> list = (List<Map<String, Object>>) answer.getOrDefault("reviews", List.of());
        Object stars = null;
        Object color = null;
        Object ratingsError = null;
        if (!list.isEmpty() && list.get(0).get("rating") instanceof Map) {
            Map<String, Object> rating = (Map<String, Object>) list.get(0).get("rating");
            stars = rating.get("stars");
            color = rating.get("color");
            ratingsError = rating.get("error");
        }
        view.put("stars", stars);
        view.put("color", color);
        if (ratingsError != null) {
            view.put("ratingsError", ratingsError);
        }
        view.put("reviews", list);
        return view;
    }

    /** The HTML page. */
    static final class Html {
        private Html() {
        }

        @SuppressWarnings("unchecked")
        static String render(Map<String, Object> page) {
            StringBuilder b = new StringBuilder(4096);
            b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Simple Bookstore App</title>")
                    .append("<style>body{font-family:sans-serif;margin:2em}td{padding:2px 12px}")
                    .append(".black{color:#000}.red{color:#c00}.err{color:#a60}</style></head><body>")
                    .append("<h1>The Comedy of Errors</h1><p>Summary: Wikipedia Summary: The Comedy of Errors is one")
                    .append(" of <b>William Shakespeare's</b> early plays.</p>");
            Object user = page.get("user");
            b.append("<p>").append(user == null ? "Not signed in (<a href=\"/login?u=jason\">sign in as jason</a>)"
                    : "Signed in as <b>" + esc(user) + "</b> (<a href=\"/logout\">sign out</a>)").append("</p>");
            Map<String, Object> details = (Map<String, Object>) page.get("details");
            b.append("<h2>Book Details</h2>");
            if (details.containsKey("error")) {
                b.append("<p class=\"err\">").append(esc(details.get("error"))).append("</p>");
            } else {
                b.append("<table>");
                details.forEach((k, v) -> b.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v))
                        .append("</td></tr>"));
                b.append("</table>");
            }
            Map<String, Object> reviews = (Map<String, Object>) page.get("reviews");
            b.append("<h2>Book Reviews</h2>");
            if (reviews.containsKey("error")) {
                b.append("<p class=\"err\">").append(esc(reviews.get("error"))).append("</p>");
            } else {
                for (Map<String, Object> r : (List<Map<String, Object>>) reviews.get("reviews")) {
                    b.append("<blockquote><p>").append(esc(r.get("text"))).append("</p><small>")
                            .append(esc(r.get("reviewer"))).append("</small>");
                    if (r.get("rating") instanceof Map) {
                        Map<String, Object> rating = (Map<String, Object>) r.get("rating");
                        if (rating.get("stars") instanceof Number) {
                            int stars = ((Number) rating.get("stars")).intValue();
                            b.append(" <span class=\"").append(esc(rating.get("color"))).append("\">")
                                    .append("\u2605".repeat(stars)).append("\u2606".repeat(Math.max(0, 5 - stars)))
                                    .append("</span>");
                        } else {
                            b.append(" <span class=\"err\">").append(esc(rating.get("error"))).append("</span>");
                        }
                    }
                    b.append("</blockquote>");
                }
                b.append("<p><small>reviews-").append(esc(reviews.get("version"))).append("</small></p>");
            }
            return b.append("</body></html>").toString();
        }

        private static String esc(Object o) {
            return HtmlUtils.htmlEscape(String.valueOf(o));
        }
    }
}

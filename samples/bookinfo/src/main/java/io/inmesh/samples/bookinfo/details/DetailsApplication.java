package io.inmesh.samples.bookinfo.details;

import io.inmesh.spring.MeshService;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** Bookinfo's details service (Spring MVC on Tomcat): the book's author, year, publisher and ISBNs. */
@SpringBootApplication
@MeshService(name = "details", version = "v1", serviceAccount = "bookinfo-details")
@RestController
public class DetailsApplication {
    @GetMapping("/details/{id}")
    Map<String, Object> details(@PathVariable String id) {
        int book;
        try {
            book = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "please provide numeric product id");
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", book);
        d.put("author", "William Shakespeare");
        d.put("year", 1595);
        d.put("type", "paperback");
        d.put("pages", 200);
        d.put("publisher", "PublisherA");
        d.put("language", "English");
        d.put("ISBN-10", "1234567890");
        d.put("ISBN-13", "123-1234567890");
        return d;
    }

    @GetMapping("/health")
    Map<String, String> health() {
        return Map.of("status", "Details is healthy");
    }
}

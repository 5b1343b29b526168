package io.inmesh.samples.bookinfo;

import io.inmesh.samples.bookinfo.details.DetailsApplication;
import io.inmesh.samples.bookinfo.productpage.ProductPageApplication;
import io.inmesh.samples.bookinfo.ratings.RatingsApplication;
import io.inmesh.samples.bookinfo.reviews.ReviewsApplication;
import io.inmesh.samples.bookinfo.view.TrafficView;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;

/**
 * Starts one Bookinfo service: {@code java -jar bookinfo.jar SERVICE [VERSION] [--spring.property=value ...]}, with
 * SERVICE one of productpage, details, ratings, reviews (VERSION v1, v2 or v3), or {@code view} for the live traffic
 * view. Each service listens on 127.0.0.1 on its port (productpage 9080, details 9081, ratings 9082, reviews v1 9083,
 * v2 9084, v3 9085) and serves its actuator on the port + 1000.
 */
public final class Bookinfo {
    /** The services, their web stack and their port. */
    enum Service {
        PRODUCTPAGE("productpage", ProductPageApplication.class, WebApplicationType.REACTIVE, 9080),
        DETAILS("details", DetailsApplication.class, WebApplicationType.SERVLET, 9081),
        RATINGS("ratings", RatingsApplication.class, WebApplicationType.REACTIVE, 9082),
        REVIEWS("reviews", ReviewsApplication.class, WebApplicationType.SERVLET, 9083);

        final String id;
        final Class<?> application;
        final WebApplicationType web;
        final int port;

        Service(String id, Class<?> application, WebApplicationType web, int port) {
            this.id = id;
            this.application = application;
            this.web = web;
            this.port = port;
        }
    }

    private Bookinfo() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("no service given");
        }
        if (args[0].equals("view")) {
            TrafficView.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Service service = null;
        for (Service s : Service.values()) {
            if (s.id.equals(args[0])) {
                service = s;
            }
        }
        if (service == null) {
            usage("unknown service '" + args[0] + "'");
        }
        int next = 1;
        String version = "v1";
        if (args.length > 1 && !args[1].startsWith("--")) {
            version = args[1];
            next = 2;
        }
        int port = service.port;
        if (service == Service.REVIEWS) {
            switch (version) {
                case "v1": break;
                case "v2": port += 1; break;
                case "v3": port += 2; break;
                default: usage("reviews has versions v1, v2 and v3, not '" + version + "'");
            }
        } else if (!version.equals("v1")) {
            usage(service.id + " has one version, v1");
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.application.name", service.id + (service == Service.REVIEWS ? "-" + version : ""));
        defaults.put("bookinfo.version", version);
        defaults.put("server.port", port);
        defaults.put("management.server.port", port + 1000);
        if (service.web == WebApplicationType.REACTIVE) {
            // the jar holds Tomcat for the MVC services too: the reactive ones serve on Reactor Netty only
            defaults.put("spring.autoconfigure.exclude",
                    "org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration,"
                    + "org.springframework.boot.tomcat.autoconfigure.actuate.web.server"
                    + ".TomcatReactiveManagementContextAutoConfiguration");
        }
        SpringApplication app = new SpringApplication(service.application);
        app.setWebApplicationType(service.web);
        app.setDefaultProperties(defaults);
        app.run(Arrays.copyOfRange(args, next, args.length));
    }

    private static void usage(String problem) {
        System.err.println("bookinfo: " + problem + "\nusage: java -jar bookinfo.jar productpage|details|ratings|"
                + "reviews [v1|v2|v3] [--property=value ...]\n       java -jar bookinfo.jar view [URL]");
        System.exit(2);
    }
}

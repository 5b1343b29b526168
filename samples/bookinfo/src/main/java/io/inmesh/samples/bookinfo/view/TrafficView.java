package io.inmesh.samples.bookinfo.view;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's live view: sends requests to the product page at a fixed rate (as JSON, optionally as a signed-in user)
 * and prints, each second, how many answers came from each reviews version, how many had no reviews or failed, and
 * the latency. {@code view [URL] [--rate=N] [--user=NAME]}; environment BOOKINFO_RATE and BOOKINFO_USER do the same.
 */
public final class TrafficView {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<Long> latenciesMicros = new ArrayList<>();

    private TrafficView() {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:9080/productpage";
        int rate = Integer.parseInt(System.getenv().getOrDefault("BOOKINFO_RATE", "10"));
        String user = System.getenv("BOOKINFO_USER");
        for (String a : args) {
            if (a.startsWith("--rate=")) {
                rate = Integer.parseInt(a.substring(7));
            } else if (a.startsWith("--user=")) {
                user = a.substring(7);
            } else {
                url = a;
            }
        }
        new TrafficView().run(URI.create(url), Math.max(1, rate), user == null || user.isBlank() ? null : user);
    }

    private void run(URI uri, int rate, String user) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        JsonMapper json = JsonMapper.builder().build();
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json");
        if (user != null) {
            rb.header("end-user", user);
        }
        HttpRequest request = rb.build();
        System.out.printf("sending %d requests/s to %s%s; Ctrl-C stops the demo%n", rate, uri,
                user == null ? "" : " as " + user);
        System.out.printf("%-8s %5s %5s %5s %5s %10s %7s %8s %8s%n", "time", "sent", "v1", "v2", "v3",
                "no-reviews", "errors", "p50 ms", "p99 ms");
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
        int[] sent = {0};
        timer.scheduleAtFixedRate(() -> {
            long start = System.nanoTime();
            synchronized (this) {
                sent[0]++;
            }
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                long micros = (System.nanoTime() - start) / 1000;
                String key;
                if (failure != null || response.statusCode() != 200) {
                    key = "errors";
                } else {
                    JsonNode version = json.readTree(response.body()).path("reviews").path("version");
                    key = version.isString() ? version.asString() : "no-reviews";
                }
                synchronized (this) {
                    counts.merge(key, 1, Integer::sum);
                    latenciesMicros.add(micros);
                }
            });
        }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        while (true) {
            Thread.sleep(1000);
            Map<String, Integer> c;
            List<Long> l;
            int s;
            synchronized (this) {
                c = new TreeMap<>(counts);
                l = new ArrayList<>(latenciesMicros);
                s = sent[0];
                counts.clear();
                latenciesMicros.clear();
                sent[0] = 0;
            }
            Collections.sort(l);
            System.out.printf("%-8s %5d %5d %5d %5d %10d %7d %8s %8s%n", LocalTime.now().format(TIME), s,
                    c.getOrDefault("v1", 0), c.getOrDefault("v2", 0), c.getOrDefault("v3", 0),
                    c.getOrDefault("no-reviews", 0), c.getOrDefault("errors", 0), percentile(l, 0.5),
                    percentile(l, 0.99));
        }
    }

    private static String percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return "-";
        }
        long micros = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        return String.format("%.1f", micros / 1000.0);
    }
}

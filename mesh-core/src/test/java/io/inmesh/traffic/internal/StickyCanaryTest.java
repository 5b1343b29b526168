package io.inmesh.traffic.internal;

import static io.inmesh.traffic.TrafficFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.traffic.SimpleRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StickyCanaryTest {
    private static final int KEYS = 10_000;

    private static String config(int v1, int v2, String annotation) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                  annotations: {%s}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: %d}
                    - {destination: {host: reviews, subset: v2}, weight: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """.formatted(annotation, v1, v2);
    }

    private static Map<String, String> assign(TrafficPlane plane, boolean cookie) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String user = "user-" + i;
            Map<String, String> headers = cookie ? Map.of("Cookie", "session=" + user + "; theme=dark")
                    : Map.of("x-user", user);
            out.put(user, plane.start(SimpleRequest.of("GET", "http://reviews:9080/", headers)).target().subset);
        }
        return out;
    }

    private static TrafficPlane plane() {
        return new TrafficPlane(Workload.of("default"), null, System::nanoTime, new Random(3));
    }

    @Test
    void aKeyStaysOnItsDestinationWhileWeightsHoldAndFewMoveWhenTheyChange() {
        TrafficPlane plane = plane();
        plane.update(snapshot(config(90, 10, "inmesh.io/sticky-canary: \"header:x-user\"")));
        Map<String, String> first = assign(plane, false);
        assertThat(assign(plane, false)).as("same key, same destination").isEqualTo(first);
        long onV2 = first.values().stream().filter("v2"::equals).count();
        assertThat(onV2).isBetween(900L, 1100L);

        plane.update(snapshot(config(80, 20, "inmesh.io/sticky-canary: \"header:x-user\"")));
        Map<String, String> after = assign(plane, false);
        int moved = 0;
        for (var e : first.entrySet()) {
            String now = after.get(e.getKey());
            if (!now.equals(e.getValue())) {
                moved++;
                assertThat(e.getValue() + "->" + now).as("only moves towards the grown destination")
                        .isEqualTo("v1->v2");
            }
        }
        assertThat(moved).as("about the 10%% the weights moved, not more").isBetween(800, 1200);
    }

    @Test
    void aCookieCanCarryTheKey() {
        TrafficPlane plane = plane();
        plane.update(snapshot(config(50, 50, "inmesh.io/sticky-canary: \"cookie:session\"")));
        assertThat(assign(plane, true)).isEqualTo(assign(plane, true));
    }

    @Test
    void withoutTheAnnotationTheSplitIsRandomPerRequest() {
        TrafficPlane plane = plane();
        plane.update(snapshot(config(50, 50, "")));
        Map<String, String> a = assign(plane, false);
        Map<String, String> b = assign(plane, false);
        long differ = a.keySet().stream().filter(k -> !a.get(k).equals(b.get(k))).count();
        assertThat(differ).isBetween(4000L, 6000L);
    }
}

package io.inmesh.traffic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.config.StringMatch;
import io.inmesh.config.VirtualService.HttpMatchRequest;
import io.inmesh.config.internal.compile.CompiledMatch;
import io.inmesh.config.internal.compile.StringMatcher;
import io.inmesh.traffic.SimpleRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private static final String[] PATHS = {"/", "/a", "/a/b", "/api", "/api/v1", "/api/v1/x", "/api/v2/y",
            "/items/12/v3", "/items/x/v3", "/b", "/legacy/r7", "/A/b"};

    private static StringMatcher uri(Random rnd) {
        String p = PATHS[rnd.nextInt(PATHS.length)];
        switch (rnd.nextInt(5)) {
            case 0:
                return StringMatcher.of(new StringMatch(p, null, null), false);
            case 1:
                return StringMatcher.of(new StringMatch(null, p, null), false);
            case 2:
                return StringMatcher.of(new StringMatch(null, p, null), true);
            case 3:
                return StringMatcher.of(new StringMatch(null, null, "/items/[0-9]+/v[0-9]"), false);
            default:
                return StringMatcher.of(new StringMatch(null, null, "/(api|a)/.*"), false);
        }
    }

    private static CompiledMatch block(Random rnd) {
        StringMatcher uri = rnd.nextInt(4) == 0 ? null : uri(rnd);
        List<CompiledMatch.NamedMatcher> headers = new ArrayList<>();
        if (rnd.nextInt(3) == 0) {
            headers.add(new CompiledMatch.NamedMatcher("x-user",
                    StringMatcher.of(new StringMatch("u" + rnd.nextInt(3), null, null), false)));
        }
        if (rnd.nextInt(5) == 0) {
            headers.add(new CompiledMatch.NamedMatcher("x-tenant", StringMatcher.of(null, false)));
        }
        StringMatcher method = rnd.nextInt(4) == 0
                ? StringMatcher.of(new StringMatch(rnd.nextBoolean() ? "GET" : "POST", null, null), false) : null;
        Map<String, String> source = rnd.nextInt(10) == 0 ? Map.of("app", "other") : Map.of();
        return new CompiledMatch(new HttpMatchRequest(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null), uri, null, method, null, headers, List.of(), List.of(),
                rnd.nextInt(10) == 0 ? 8080 : null, source, null, true);
    }

    @Test
    void theIndexSelectsTheSameRuleAsAScanOfEveryRule() {
        Random rnd = new Random(11);
        Workload self = Workload.of("default", Map.of("app", "web"));
        int matched = 0;
        for (int table = 0; table < 200; table++) {
            int n = 9 + rnd.nextInt(60);
            List<CompiledMatch[][]> alternatives = new ArrayList<>();
            List<RoutePlan> plans = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int alts = rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(3);
                CompiledMatch[][] a = new CompiledMatch[alts][];
                for (int j = 0; j < alts; j++) {
                    a[j] = rnd.nextInt(8) == 0 ? new CompiledMatch[] {block(rnd), block(rnd)}
                            : new CompiledMatch[] {block(rnd)};
                }
                alternatives.add(a);
                plans.add(null);
            }
            RouteTable indexed = RouteTable.build(alternatives, plans, self, true);
            RouteTable scanned = RouteTable.build(alternatives, plans, self, false);
            for (int q = 0; q < 200; q++) {
                String path = PATHS[rnd.nextInt(PATHS.length)];
                int port = rnd.nextInt(4) == 0 ? 8080 : 80;
                Map<String, String> headers = new java.util.HashMap<>();
                if (rnd.nextBoolean()) {
                    headers.put("x-user", "u" + rnd.nextInt(4));
                }
                if (rnd.nextBoolean()) {
                    headers.put("x-tenant", "t");
                }
                var request = SimpleRequest.of(rnd.nextBoolean() ? "GET" : "POST",
                        "http://svc:" + port + path, headers);
                long expected = scanned.select(request, port);
                assertThat(indexed.select(request, port)).as("table %d, %s %s", table, request, headers)
                        .isEqualTo(expected);
                matched += expected >= 0 ? 1 : 0;
            }
        }
        assertThat(matched).as("most requests match some rule, so the comparison means something")
                .isGreaterThan(20_000);
    }
}

package io.inmesh.benchmarks;

import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.traffic.RequestView;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.internal.MeshCall;
import io.inmesh.traffic.internal.TrafficPlane;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * The request-path setup shared by {@link RouteSelectionBenchmark} and {@link AllocationCheck}: one host whose
 * VirtualService has {@code rules} HTTP rules, a DestinationRule with two subsets and outlier detection, and a
 * STATIC ServiceEntry with ten endpoints (five per version), compiled into a {@link TrafficPlane}.
 *
 * <p>Rule {@code r} is one of four kinds, {@code r % 4}: (0) URI prefix {@code /api/v<r>/} with header
 * {@code x-tenant: t<r>} and method GET, or URI exact {@code /legacy/r<r>}; (1) URI exact {@code /items/<r>} with
 * method POST; (2) URI regex {@code /items/[0-9]+/v<r>}; (3) header {@code x-canary} exact {@code c<r>}. The last
 * rule and the middle rule ({@code rules / 2}) are always of kind 0, so that the requests that match them do the
 * same work whatever the number of rules. Every rule routes 90/10 to subsets v1 and v2 and has a timeout and
 * retries.
 */
final class RouteSelectionFixture {
    static final String NAMESPACE = "bench";
    static final String HOST = "reviews." + NAMESPACE + ".svc.cluster.local";
    static final int PORT = 9080;
    static final int ENDPOINTS = 10;

    private RouteSelectionFixture() {
    }

    /** The index of the middle rule for {@code rules} rules. */
    static int middle(int rules) {
        return rules / 2;
    }

    private static int kind(int rules, int r) {
        return r == rules - 1 || r == middle(rules) ? 0 : r % 4;
    }

    /** The YAML for one host with {@code rules} HTTP rules, its DestinationRule and its ServiceEntry. */
    static String yaml(int rules) {
        StringBuilder b = new StringBuilder();
        b.append("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\n")
                .append("  namespace: ").append(NAMESPACE).append("\nspec:\n  hosts:\n  - ").append(HOST)
                .append("\n  http:\n");
        for (int r = 0; r < rules; r++) {
            b.append("  - name: r").append(r).append("\n    match:\n");
            switch (kind(rules, r)) {
                case 0 -> b.append("    - uri:\n        prefix: /api/v").append(r).append("/\n")
                        .append("      headers:\n        x-tenant:\n          exact: t").append(r).append('\n')
                        .append("      method:\n        exact: GET\n")
                        .append("    - uri:\n        exact: /legacy/r").append(r).append('\n');
                case 1 -> b.append("    - uri:\n        exact: /items/").append(r).append('\n')
                        .append("      method:\n        exact: POST\n");
                case 2 -> b.append("    - uri:\n        regex: \"/items/[0-9]+/v").append(r).append("\"\n");
                default -> b.append("    - headers:\n        x-canary:\n          exact: c").append(r).append('\n');
            }
            b.append("    route:\n    - destination:\n        host: ").append(HOST)
                    .append("\n        subset: v1\n      weight: 90\n    - destination:\n        host: ").append(HOST)
                    .append("\n        subset: v2\n      weight: 10\n    timeout: 2s\n    retries:\n      attempts: 3\n")
                    .append("      perTryTimeout: 500ms\n      retryOn: gateway-error,connect-failure\n");
        }
        b.append("---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n")
                .append("  namespace: ").append(NAMESPACE).append("\nspec:\n  host: ").append(HOST)
                .append("\n  trafficPolicy:\n    outlierDetection:\n      consecutive5xxErrors: 5\n")
                .append("      interval: 10s\n  subsets:\n  - name: v1\n    labels:\n      version: v1\n")
                .append("  - name: v2\n    labels:\n      version: v2\n");
        b.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: reviews\n")
                .append("  namespace: ").append(NAMESPACE).append("\nspec:\n  hosts:\n  - ").append(HOST)
                .append("\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports:\n  - number: ").append(PORT)
                .append("\n    name: http\n    protocol: HTTP\n  endpoints:\n");
        for (int e = 0; e < ENDPOINTS; e++) {
            b.append("  - address: 10.0.0.").append(e + 1).append("\n    labels:\n      version: v")
                    .append(e % 2 + 1).append('\n');
        }
        return b.toString();
    }

    /** A plane for the calls of workload {@code default} on {@code files}, seeded random, system clock. */
    static TrafficPlane plane(List<ConfigFile> files) {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = holder.update(files);
        if (!(u instanceof ConfigUpdate.Applied)) {
            throw new IllegalStateException("generated config is not applied: " + u);
        }
        TrafficPlane plane = new TrafficPlane(Workload.of("default"), null, System::nanoTime, new Random(1));
        plane.update(holder.current());
        return plane;
    }

    /** The plane for {@link #yaml}{@code (rules)}. */
    static TrafficPlane plane(int rules) {
        return plane(List.of(new ConfigFile("reviews.yaml", yaml(rules).getBytes(StandardCharsets.UTF_8))));
    }

    /** A GET that matches rule {@code r} (which must be of kind 0) through its prefix, header and method match. */
    static RequestView requestFor(int r) {
        return new FixedRequest("GET", HOST, PORT, "/api/v" + r + "/users/42", "x-tenant", "t" + r,
                "user-agent", "bench/1.0");
    }

    /** Fails unless {@code d} is rule {@code r} of the reviews VirtualService. */
    static void expectRule(RouteDecision d, int r) {
        if (!("r" + r).equals(d.routeName()) || !(NAMESPACE + "/reviews").equals(d.virtualService())) {
            throw new IllegalStateException("expected rule r" + r + ", got " + d);
        }
    }

    /**
     * Fails unless a call to {@code request} is sent to a STATIC endpoint with the subset's label: every try must
     * reach an endpoint from the ServiceEntry, not fall back to DNS.
     */
    static void expectEndpoint(TrafficPlane plane, RequestView request) {
        for (int i = 0; i < 100; i++) {
            MeshCall call = plane.start(request);
            MeshCall.Try t = call.nextTry();
            if (t == null) {
                throw new IllegalStateException("no try: " + call.failureStatus() + " " + call.failureDetail());
            }
            String version = t.endpoint() == null ? null : t.endpoint().labels().get("version");
            if (version == null || !version.equals(call.target().subset)) {
                throw new IllegalStateException("try to " + t.address + " (labels "
                        + (t.endpoint() == null ? "none" : t.endpoint().labels()) + ") for " + call.target());
            }
            call.onResponse(t, 200, -1, false, true);
            t.release();
        }
    }

    /**
     * A request view over fixed fields, as an adapter's view over its own request type: header lookup scans a
     * small array of lower-case names, and no method allocates.
     */
    static final class FixedRequest implements RequestView {
        private final String method;
        private final String host;
        private final int port;
        private final String authority;
        private final String path;
        private final String[] headers;

        /** {@code headers}: name (lower case), value, name, value, ... */
        FixedRequest(String method, String host, int port, String path, String... headers) {
            this.method = method;
            this.host = host;
            this.port = port;
            this.authority = port == 80 ? host : host + ":" + port;
            this.path = path;
            this.headers = headers.clone();
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String scheme() {
            return "http";
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public String authority() {
            return authority;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            for (int i = 0; i < headers.length; i += 2) {
                if (headers[i].equals(lowerCaseName)) {
                    return headers[i + 1];
                }
            }
            return null;
        }

        @Override
        public String queryParameter(String name) {
            return null;
        }

        @Override
        public String toString() {
            return method + " http://" + authority + path;
        }
    }
}

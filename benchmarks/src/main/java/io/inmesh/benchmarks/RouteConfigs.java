package io.inmesh.benchmarks;

import io.inmesh.config.ConfigFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates realistic configuration of a given size: one VirtualService per service with ten HTTP routes each
 * (URI prefix, header exact and regex matches; two weighted subsets; retries and a timeout) and one
 * DestinationRule per service with two subsets.
 */
public final class RouteConfigs {
    private RouteConfigs() {
    }

    public static final int ROUTES_PER_SERVICE = 10;

    /** The YAML for {@code routes} HTTP routes, spread over files of at most 100 services each. */
    public static List<ConfigFile> files(int routes) {
        return files(routes, 100);
    }

    /** The YAML for {@code routes} HTTP routes, {@code servicesPerFile} services (VirtualService + rule) a file. */
    public static List<ConfigFile> files(int routes, int servicesPerFile) {
        int services = Math.max(1, routes / ROUTES_PER_SERVICE);
        List<ConfigFile> files = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < services; s++) {
            appendService(b, s);
            if ((s + 1) % servicesPerFile == 0 || s == services - 1) {
                files.add(new ConfigFile("services-" + files.size() + ".yaml", b.toString().getBytes(StandardCharsets.UTF_8)));
                b.setLength(0);
            }
        }
        return files;
    }

    /**
     * One file of STATIC ServiceEntries for the services of {@link #files(int)}: two endpoints each, one per subset
     * ({@code version: v1}, {@code v2}), port 80.
     */
    public static ConfigFile serviceEntries(int routes) {
        int services = Math.max(1, routes / ROUTES_PER_SERVICE);
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < services; s++) {
            String svc = "svc" + s;
            b.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ").append(svc)
                    .append("\n  namespace: bench\nspec:\n  hosts:\n  - ").append(svc)
                    .append(".bench.svc.cluster.local\n  location: MESH_INTERNAL\n  resolution: STATIC\n")
                    .append("  ports:\n  - number: 80\n    name: http\n    protocol: HTTP\n  endpoints:\n");
            for (int v = 1; v <= 2; v++) {
                b.append("  - address: 10.").append(s / 250).append('.').append(s % 250).append('.').append(v)
                        .append("\n    labels:\n      version: v").append(v).append('\n');
            }
        }
        return new ConfigFile("service-entries.yaml", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void appendService(StringBuilder b, int s) {
        String svc = "svc" + s;
        b.append("---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ").append(svc)
                .append("\n  namespace: bench\nspec:\n  hosts:\n  - ").append(svc).append("\n  http:\n");
        for (int r = 0; r < ROUTES_PER_SERVICE - 1; r++) {
            b.append("  - name: r").append(r).append("\n    match:\n    - uri:\n        prefix: /api/v").append(r)
                    .append("/\n      headers:\n        x-tenant:\n          exact: t").append(r)
                    .append("\n    - uri:\n        regex: \"/items/[0-9]+/v").append(r).append("\"\n")
                    .append("    route:\n    - destination:\n        host: ").append(svc)
                    .append("\n        subset: v1\n      weight: 90\n    - destination:\n        host: ").append(svc)
                    .append("\n        subset: v2\n      weight: 10\n    timeout: 2s\n    retries:\n      attempts: 3\n")
                    .append("      perTryTimeout: 500ms\n      retryOn: gateway-error,connect-failure\n");
        }
        b.append("  - name: default\n    route:\n    - destination:\n        host: ").append(svc)
                .append("\n        subset: v1\n");
        b.append("---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ").append(svc)
                .append("\n  namespace: bench\nspec:\n  host: ").append(svc)
                .append("\n  trafficPolicy:\n    outlierDetection:\n      consecutive5xxErrors: 5\n      interval: 10s\n")
                .append("  subsets:\n  - name: v1\n    labels:\n      version: v1\n  - name: v2\n    labels:\n      version: v2\n");
    }
}

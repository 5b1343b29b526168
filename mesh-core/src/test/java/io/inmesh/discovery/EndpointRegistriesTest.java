package io.inmesh.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointRegistriesTest {

    static MeshSnapshot snapshot(String yaml) {
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = holder.update(List.of(new ConfigFile("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected r ? r.rejection().diagnostics() : "")
                .isInstanceOf(ConfigUpdate.Applied.class);
        return holder.current();
    }

    static EndpointRegistry registry(String yaml) {
        return EndpointRegistries.fromConfig(snapshot(yaml));
    }

    @Test
    void staticEndpointsKeepLabelsAndMapPortsByNameThenTargetPortThenNumber() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: data}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 9090, name: metrics, protocol: HTTP, targetPort: 19090}
                  - {number: 5432, name: tcp-pg, protocol: TCP}
                  endpoints:
                  - address: 10.0.0.1
                    ports: {http: 8080}
                    labels: {version: v1, security.istio.io/tlsMode: istio}
                    serviceAccount: db-sa
                    weight: 3
                  - address: 10.0.0.2
                    labels: {version: v2}
                """);
        assertThat(r.knows("db.internal.example")).isTrue();
        assertThat(r.endpoints("db.internal.example", 80)).containsExactly(
                new Endpoint("10.0.0.1", 8080, Map.of("version", "v1", Endpoint.TLS_MODE_LABEL, "istio"), "db-sa", 3,
                        "data"),
                new Endpoint("10.0.0.2", 80, Map.of("version", "v2"), null, 1));
        assertThat(r.endpoints("db.internal.example", 9090)).extracting(Endpoint::hostPort)
                .containsExactly("10.0.0.1:19090", "10.0.0.2:19090");
        assertThat(r.endpoints("db.internal.example", 5432)).extracting(Endpoint::hostPort)
                .containsExactly("10.0.0.1:5432", "10.0.0.2:5432");
        assertThat(r.endpoints("db.internal.example", 81)).as("undeclared port passes through").isNull();
    }

    @Test
    void repeatedLookupsReturnTheSameListInstance() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db}
                spec:
                  hosts: [db.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.0.0.1}]
                """);
        List<Endpoint> first = r.endpoints("db.example", 80);
        assertThat(r.endpoints("db.example", 80)).isSameAs(first);
        assertThatThrownBy(() -> first.add(Endpoint.of("10.0.0.9", 80))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void lookupsAllocateNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db}
                spec:
                  hosts: [db.example, "*.wild.example"]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: https, protocol: HTTPS}]
                  endpoints: [{address: 10.0.0.1}]
                """);
        String exact = "db.example";
        String wild = "a.wild.example";
        String unknown = "unknown.example";
        long sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up
            sink += lookups(r, exact, wild, unknown);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
            sink += lookups(r, exact, wild, unknown);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(sink).isPositive();
        // Any object is at least 16 bytes: under one byte per lookup means no lookup allocates. The few kilobytes
        // that do show up come from the JIT and the measurement, not from the lookups.
        assertThat(allocated).as("bytes allocated by 600,000 lookups").isLessThan(600_000);
    }

    private static int lookups(EndpointRegistry r, String exact, String wild, String unknown) {
        int n = r.endpoints(exact, 443).size() + r.endpoints(wild, 80).size();
        n += r.endpoints(unknown, 80) == null ? 1 : 0;
        n += r.knows(wild) ? 1 : 0;
        n += r.knows(unknown) ? 0 : 1;
        n += r.endpoints(exact, 8080) == null ? 1 : 0;
        return n;
    }

    @Test
    void staticWithoutEndpointsIsKnownWithNoEndpoints() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: empty}
                spec:
                  hosts: [empty.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                """);
        assertThat(r.endpoints("empty.example", 80)).isNotNull().isEmpty();
    }

    @Test
    void dnsWithEndpointsConnectsToTheNamesAsGiven() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 443, name: https, protocol: TLS}]
                  endpoints:
                  - {address: eu.api.example.com, labels: {region: eu}}
                  - {address: us.api.example.com, ports: {https: 8443}}
                """);
        assertThat(r.endpoints("api.example.com", 443)).containsExactly(
                new Endpoint("eu.api.example.com", 443, Map.of("region", "eu"), null, 1),
                Endpoint.of("us.api.example.com", 8443));
    }

    @Test
    void dnsWithoutEndpointsConnectsToTheHostItself() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: httpbin}
                spec:
                  hosts: [httpbin.org]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 443, name: https, protocol: TLS, targetPort: 8443}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: rr}
                spec:
                  hosts: [rr.example.com]
                  resolution: DNS_ROUND_ROBIN
                  ports: [{number: 80, name: http, protocol: HTTP}]
                """);
        assertThat(r.endpoints("httpbin.org", 80)).containsExactly(Endpoint.of("httpbin.org", 80));
        assertThat(r.endpoints("httpbin.org", 443)).containsExactly(Endpoint.of("httpbin.org", 8443));
        assertThat(r.endpoints("rr.example.com", 80)).containsExactly(Endpoint.of("rr.example.com", 80));
    }

    @Test
    void noneIsKnownButPassesThrough() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ext}
                spec:
                  hosts: [ext.example.com]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports: [{number: 443, name: https, protocol: TLS}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: default-resolution}
                spec:
                  hosts: [plain.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                """);
        assertThat(r.knows("ext.example.com")).isTrue();
        assertThat(r.endpoints("ext.example.com", 443)).isNull();
        assertThat(r.knows("plain.example.com")).as("resolution defaults to NONE").isTrue();
        assertThat(r.endpoints("plain.example.com", 80)).isNull();
    }

    @Test
    void unknownHostIsNullAndNotKnown() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db}
                spec:
                  hosts: [db.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.0.0.1}]
                """);
        assertThat(r.knows("other.example")).isFalse();
        assertThat(r.endpoints("other.example", 80)).isNull();
        assertThat(r.knows("example")).isFalse();
    }

    @Test
    void shortHostsResolveInTheServiceEntryNamespace() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  hosts: [Reviews]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.1.0.1}]
                """);
        assertThat(r.endpoints("reviews.bookinfo.svc.cluster.local", 9080))
                .containsExactly(Endpoint.of("10.1.0.1", 9080));
        assertThat(r.knows("reviews")).isFalse();
        assertThat(r.knows("reviews.default.svc.cluster.local")).isFalse();
    }

    @Test
    void workloadSelectorPicksWorkloadEntriesOfTheSameNamespaceByLabels() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: details, namespace: bookinfo}
                spec:
                  hosts: [details.bookinfo.com]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
                  - {number: 9000, name: grpc, protocol: GRPC}
                  workloadSelector:
                    labels: {app: details}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-1, namespace: bookinfo}
                spec:
                  address: 10.2.0.1
                  labels: {app: details, version: v1, security.istio.io/tlsMode: istio}
                  serviceAccount: details-legacy
                  ports: {grpc: 9443}
                  weight: 5
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-2, namespace: bookinfo}
                spec:
                  address: 10.2.0.2
                  labels: {app: details, version: v2}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: other-app, namespace: bookinfo}
                spec:
                  address: 10.2.0.3
                  labels: {app: ratings}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: elsewhere, namespace: other}
                spec:
                  address: 10.2.0.4
                  labels: {app: details}
                """);
        assertThat(r.endpoints("details.bookinfo.com", 80)).containsExactly(
                new Endpoint("10.2.0.1", 8080, Map.of("app", "details", "version", "v1", Endpoint.TLS_MODE_LABEL, "istio"),
                        "details-legacy", 5, "bookinfo"),
                new Endpoint("10.2.0.2", 8080, Map.of("app", "details", "version", "v2"), null, 1));
        assertThat(r.endpoints("details.bookinfo.com", 9000)).extracting(Endpoint::hostPort)
                .containsExactly("10.2.0.1:9443", "10.2.0.2:9000");
    }

    @Test
    void workloadSelectorMatchingNothingIsKnownWithNoEndpoints() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: lonely}
                spec:
                  hosts: [lonely.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: lonely}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm}
                spec:
                  address: 10.3.0.1
                  labels: {app: lonely-not}
                """);
        assertThat(r.knows("lonely.example")).isTrue();
        assertThat(r.endpoints("lonely.example", 80)).isNotNull().isEmpty();
    }

    @Test
    void workloadEntryMetadataLabelsCountAndOverrideSpecLabels() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: svc}
                spec:
                  hosts: [svc.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: svc}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm
                  labels: {app: svc, version: meta}
                spec:
                  address: 10.4.0.1
                  labels: {version: spec, zone: a}
                """);
        assertThat(r.endpoints("svc.example", 80)).singleElement()
                .satisfies(e -> assertThat(e.labels()).containsExactlyInAnyOrderEntriesOf(
                        Map.of("app", "svc", "version", "meta", "zone", "a")));
    }

    @Test
    void wildcardHostsMatchBySuffixMostSpecificFirstAndPassThroughWithoutEndpoints() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: any-example}
                spec:
                  hosts: ["*.example.com"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports: [{number: 443, name: https, protocol: TLS}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api-example}
                spec:
                  hosts: ["*.api.example.com"]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: https, protocol: TLS}]
                  endpoints: [{address: 192.0.2.10}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: static-no-endpoints}
                spec:
                  hosts: ["*.empty.example.org"]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: dns-wildcard}
                spec:
                  hosts: ["*.cdn.example.net"]
                  resolution: DNS
                  ports: [{number: 443, name: https, protocol: TLS}]
                  endpoints: [{address: edge.cdn.example.net}]
                """);
        assertThat(r.knows("www.example.com")).isTrue();
        assertThat(r.knows("a.b.example.com")).isTrue();
        assertThat(r.knows("example.com")).isFalse();
        assertThat(r.endpoints("www.example.com", 443)).isNull();
        assertThat(r.endpoints("v1.api.example.com", 443)).containsExactly(Endpoint.of("192.0.2.10", 443));
        assertThat(r.endpoints("v1.api.example.com", 443)).isSameAs(r.endpoints("v2.api.example.com", 443));
        assertThat(r.knows("x.empty.example.org")).isTrue();
        assertThat(r.endpoints("x.empty.example.org", 80)).isNull();
        assertThat(r.endpoints("img.cdn.example.net", 443)).as("listed DNS endpoints serve a wildcard too")
                .containsExactly(Endpoint.of("edge.cdn.example.net", 443));
    }

    @Test
    void exactHostFallsBackToAWildcardForAPortItDoesNotDeclare() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: exact}
                spec:
                  hosts: [www.example.com]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 192.0.2.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild}
                spec:
                  hosts: ["*.example.com"]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: https, protocol: TLS}]
                  endpoints: [{address: 192.0.2.2}]
                """);
        assertThat(r.endpoints("www.example.com", 80)).containsExactly(Endpoint.of("192.0.2.1", 80));
        assertThat(r.endpoints("www.example.com", 443)).containsExactly(Endpoint.of("192.0.2.2", 443));
    }

    @Test
    void unixSocketEndpointsAreSkipped() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: local}
                spec:
                  hosts: [local.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: "unix:///var/run/app.sock"}
                  - {address: 127.0.0.1}
                """);
        assertThat(r.endpoints("local.example", 80)).containsExactly(Endpoint.of("127.0.0.1", 80));
    }

    @Test
    void serviceEntriesOfOneNamespaceForTheSameHostAndResolutionMergeTheirEndpoints() {
        EndpointRegistry r = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: a, namespace: shop}
                spec:
                  hosts: [pay.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.5.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: b, namespace: shop}
                spec:
                  hosts: [pay.example]
                  resolution: STATIC
                  ports: [{number: 80, name: web, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]
                  endpoints: [{address: 10.5.0.2}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: c, namespace: shop}
                spec:
                  hosts: [pay.example]
                  resolution: NONE
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 82, name: raw, protocol: HTTP}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: z, namespace: zoo}
                spec:
                  hosts: [pay.example]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 83, name: other, protocol: HTTP}]
                  endpoints: [{address: 10.6.0.1}]
                """);
        assertThat(r.endpoints("pay.example", 80)).extracting(Endpoint::address)
                .as("same namespace and resolution merge; NONE (c) and another namespace (z) do not")
                .containsExactly("10.5.0.1", "10.5.0.2");
        assertThat(r.endpoints("pay.example", 81)).extracting(Endpoint::address).containsExactly("10.5.0.2");
        assertThat(r.endpoints("pay.example", 82)).as("c's own port: NONE, pass-through").isNull();
        assertThat(r.endpoints("pay.example", 83)).as("namespace shop defines the host, not zoo").isNull();
    }

    @Test
    void builderMakesAnImmutableRegistry() {
        Endpoint a = Endpoint.of("10.7.0.1", 8080);
        Endpoint b = new Endpoint("10.7.0.2", 8080, Map.of("version", "v2"), "sa", 2);
        EndpointRegistries.Builder builder = EndpointRegistries.builder()
                .add("Reviews.Default.svc.cluster.local", 9080, a)
                .add("reviews.default.svc.cluster.local", 9080, b)
                .add("*.example.com", 443, Endpoint.of("192.0.2.1", 443));
        EndpointRegistry r = builder.build();
        builder.add("reviews.default.svc.cluster.local", 9080, Endpoint.of("10.7.0.3", 8080));

        assertThat(r.endpoints("reviews.default.svc.cluster.local", 9080)).containsExactly(a, b)
                .isSameAs(r.endpoints("reviews.default.svc.cluster.local", 9080));
        assertThat(r.endpoints("reviews.default.svc.cluster.local", 9081)).isNull();
        assertThat(r.endpoints("www.example.com", 443)).containsExactly(Endpoint.of("192.0.2.1", 443));
        assertThat(r.knows("nope.example")).isFalse();
        assertThat(builder.build().endpoints("reviews.default.svc.cluster.local", 9080)).hasSize(3);
    }

    @Test
    void builderChecksEachValueAsItIsAdded() {
        EndpointRegistries.Builder b = EndpointRegistries.builder();
        Endpoint e = Endpoint.of("10.0.0.1", 80);
        assertThatThrownBy(() -> b.add("x.example", 0, e)).hasMessageContaining("port: 0");
        assertThatThrownBy(() -> b.add("x.example", 65536, e)).hasMessageContaining("65536");
        assertThatThrownBy(() -> b.add("*", 80, e)).hasMessageContaining("host: \"*\"");
        assertThatThrownBy(() -> b.add("a*.example", 80, e)).hasMessageContaining("*.suffix");
        assertThatThrownBy(() -> b.add("", 80, e)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.add(null, 80, e)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.add("x.example", 80, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void firstKnowingAsksInOrderAndTheFirstThatKnowsAnswers() {
        EndpointRegistry config = registry("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ext}
                spec:
                  hosts: [shared.example]
                  resolution: NONE
                  ports: [{number: 80, name: http, protocol: HTTP}]
                """);
        EndpointRegistry platform = EndpointRegistries.builder()
                .add("shared.example", 80, Endpoint.of("10.8.0.1", 80))
                .add("platform.example", 80, Endpoint.of("10.8.0.2", 80))
                .build();
        EndpointRegistry r = EndpointRegistries.firstKnowing(config, platform);

        assertThat(r.knows("shared.example")).isTrue();
        assertThat(r.endpoints("shared.example", 80)).as("config knows it and passes through").isNull();
        assertThat(r.endpoints("platform.example", 80)).isSameAs(platform.endpoints("platform.example", 80));
        assertThat(r.knows("unknown.example")).isFalse();
        assertThat(r.endpoints("unknown.example", 80)).isNull();

        assertThat(EndpointRegistries.firstKnowing()).satisfies(e -> assertThat(e.knows("shared.example")).isFalse());
        assertThat(EndpointRegistries.firstKnowing(platform)).isSameAs(platform);
        assertThatThrownBy(() -> EndpointRegistries.firstKnowing(platform, null)).hasMessageContaining("registries[1]");
    }

    @Test
    void fromConfigOfAnEmptySnapshotKnowsNothing() {
        EndpointRegistry r = EndpointRegistries.fromConfig(ConfigHolder.create(ConfigOptions.DEFAULTS).current());
        assertThat(r.knows("anything.example")).isFalse();
        assertThat(r.endpoints("anything.example", 80)).isNull();
    }
}

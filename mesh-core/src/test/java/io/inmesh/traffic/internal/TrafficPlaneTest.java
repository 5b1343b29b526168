package io.inmesh.traffic.internal;

import static io.inmesh.traffic.TrafficFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.traffic.ResponseFlag;
import io.inmesh.traffic.SimpleRequest;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TrafficPlaneTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              resolution: STATIC
              ports: [{number: 9080, name: http}]
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1}}
              - {address: 10.0.0.2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match: [{uri: {prefix: /v1}}]
                route: [{destination: {host: reviews, subset: v1}}]
              - match: [{uri: {prefix: /missing}}]
                route: [{destination: {host: reviews, subset: v9}}]
              - match: [{uri: {prefix: /external}}]
                route: [{destination: {host: external.example.org, subset: v1}}]
              - timeout: 1s
                route: [{destination: {host: reviews}}]
            """;

    private final AtomicLong now = new AtomicLong();

    private TrafficPlane plane(MeshSnapshot s) {
        TrafficPlane p = new TrafficPlane(Workload.of("default"), null, now::get, new Random(5));
        p.update(s);
        return p;
    }

    @Test
    void triesGoToTheSubsetsEndpointsAndUndefinedSubsetsAreNoCluster() {
        TrafficPlane plane = plane(snapshot(CONFIG));
        MeshCall v1 = plane.start(SimpleRequest.of("GET", "http://reviews:9080/v1/x"));
        MeshCall.Try t = v1.nextTry();
        assertThat(t.address).isEqualTo("10.0.0.1");
        assertThat(t.port).as("no port mapping: the service port").isEqualTo(9080);
        assertThat(v1.onResponse(t, 200, -1, false, true)).isEqualTo(MeshCall.Next.RETURN);
        t.release();

        MeshCall missing = plane.start(SimpleRequest.of("GET", "http://reviews:9080/missing"));
        assertThat(missing.nextTry()).isNull();
        assertThat(missing.failureStatus()).isEqualTo(503);
        assertThat(missing.flags()).isEqualTo(ResponseFlag.NC.bit());
        assertThat(missing.failureDetail()).contains("subset v9").contains("default/reviews");

        MeshCall external = plane.start(SimpleRequest.of("GET", "http://reviews:9080/external"));
        assertThat(external.nextTry()).isNull();
        assertThat(external.flags()).isEqualTo(ResponseFlag.NC.bit());
    }

    @Test
    void theOverallTimeoutEndsTheRequestWithUT() {
        TrafficPlane plane = plane(snapshot(CONFIG));
        MeshCall call = plane.start(SimpleRequest.of("GET", "http://reviews:9080/"));
        MeshCall.Try t = call.nextTry();
        assertThat(t.timeoutNanos).isEqualTo(1_000_000_000L);
        now.addAndGet(2_000_000_000L);
        t.release();
        assertThat(call.onFailure(t, TryFailure.TIMEOUT, true)).isEqualTo(MeshCall.Next.FAIL);
        assertThat(call.failureStatus()).isEqualTo(504);
        assertThat(ResponseFlag.format(call.flags())).isEqualTo("UT");
    }

    @Test
    void connectFailuresAreRetriedOnAnotherEndpointWithBackOff() {
        TrafficPlane plane = plane(snapshot(CONFIG));
        MeshCall call = plane.start(SimpleRequest.of("GET", "http://reviews:9080/"));
        MeshCall.Try first = call.nextTry();
        first.release();
        assertThat(call.onFailure(first, TryFailure.CONNECT_FAILURE, true)).isEqualTo(MeshCall.Next.RETRY);
        assertThat(call.backoffNanos()).isBetween(0L, 25_000_000L);
        MeshCall.Try second = call.nextTry();
        assertThat(second.address).as("previous host avoided").isNotEqualTo(first.address);
        second.release();
        assertThat(call.onFailure(second, TryFailure.CONNECT_FAILURE, true)).isEqualTo(MeshCall.Next.RETRY);
        MeshCall.Try third = call.nextTry();
        third.release();
        assertThat(call.onFailure(third, TryFailure.CONNECT_FAILURE, true)).isEqualTo(MeshCall.Next.FAIL);
        assertThat(call.failureStatus()).isEqualTo(503);
        assertThat(ResponseFlag.format(call.flags())).isEqualTo("UF,URX");
        assertThat(call.tries()).isEqualTo(3);
    }

    @Test
    void clustersNotBoundForTwoSnapshotsAreForgotten() {
        MeshSnapshot s = snapshot(CONFIG);
        TrafficPlane plane = plane(s);
        plane.start(SimpleRequest.of("GET", "http://reviews:9080/v1")).nextTry().release();
        plane.start(SimpleRequest.of("GET", "http://reviews:9080/")).nextTry().release();
        assertThat(plane.clusterCount()).isEqualTo(2);
        plane.update(s);
        assertThat(plane.clusterCount()).as("bound under the previous snapshot: kept").isEqualTo(2);
        plane.start(SimpleRequest.of("GET", "http://reviews:9080/")).nextTry().release();
        plane.update(s);
        assertThat(plane.clusterCount()).as("only the one bound since").isEqualTo(1);
    }

    @Test
    void useSourceIpPinsEveryRequestOfThisProcessToOneEndpoint() {
        String withHash = CONFIG.replace("subsets:",
                "trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}\n  subsets:");
        assertThat(withHash).contains("useSourceIp");
        TrafficPlane plane = plane(snapshot(withHash));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            MeshCall call = plane.start(SimpleRequest.of("GET", "http://reviews:9080/x" + i));
            MeshCall.Try t = call.nextTry();
            seen.add(t.address);
            t.release();
        }
        assertThat(seen).hasSize(1);
        assertThat(plane.sourceAddress()).isNotBlank();
    }

    @Test
    void aNamespaceQualifiedNameResolvesOnceARegistryLearnsTheServiceLater() {
        java.util.concurrent.atomic.AtomicBoolean learned = new java.util.concurrent.atomic.AtomicBoolean();
        io.inmesh.discovery.Endpoint pod = io.inmesh.discovery.Endpoint.of("10.1.0.7", 9080);
        io.inmesh.discovery.EndpointRegistry registry = new io.inmesh.discovery.EndpointRegistry() {
            @Override
            public java.util.List<io.inmesh.discovery.Endpoint> endpoints(String host, int port) {
                return learned.get() && host.equals("ratings.shop.svc.cluster.local") ? java.util.List.of(pod) : null;
            }

            @Override
            public boolean knows(String host) {
                return learned.get() && host.equals("ratings.shop.svc.cluster.local");
            }
        };
        TrafficPlane p = new TrafficPlane(Workload.of("default"), registry, now::get, new Random(5));
        p.update(snapshot(CONFIG));
        MeshCall before = p.start(SimpleRequest.of("GET", "http://ratings.shop:9080/"));
        assertThat(before.targetHost()).isEqualTo("ratings.shop");
        learned.set(true); // e.g. a Kubernetes Service created after the first call; no config reload
        MeshCall after = p.start(SimpleRequest.of("GET", "http://ratings.shop:9080/"));
        assertThat(after.targetHost()).isEqualTo("ratings.shop.svc.cluster.local");
        MeshCall.Try t = after.nextTry();
        assertThat(t.address).isEqualTo("10.1.0.7");
        t.release();
    }

    @Test
    void destinationsShowEndpointsRequestsInFlightAndEjections() {
        TrafficPlane plane = plane(snapshot("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  resolution: STATIC
                  ports: [{number: 9080, name: http}]
                  endpoints:
                  - {address: 10.0.0.1, labels: {version: v1}}
                  - {address: 10.0.0.2, labels: {version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings}
                spec:
                  host: ratings
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s,
                                       maxEjectionPercent: 50}
                """));
        assertThat(plane.destinations()).as("nothing called yet").isEmpty();
        MeshCall.Try failed = null;
        for (int i = 0; i < 4 && failed == null; i++) {
            MeshCall call = plane.start(SimpleRequest.of("GET", "http://ratings:9080/"));
            MeshCall.Try t = call.nextTry();
            if (t.address.equals("10.0.0.2")) {
                call.onResponse(t, 503, -1, false, false);
                failed = t;
            } else {
                call.onResponse(t, 200, -1, false, true);
            }
            t.release();
        }
        assertThat(failed).as("a try reached 10.0.0.2").isNotNull();
        MeshCall inFlight = plane.start(SimpleRequest.of("GET", "http://ratings:9080/"));
        MeshCall.Try open = inFlight.nextTry();
        assertThat(open.address).as("the other one is ejected").isEqualTo("10.0.0.1");

        assertThat(plane.destinations()).singleElement().satisfies(d -> {
            assertThat(d.host()).isEqualTo("ratings.default.svc.cluster.local");
            assertThat(d.subset()).isNull();
            assertThat(d.port()).isEqualTo(9080);
            assertThat(d.ejectedCount()).isEqualTo(1);
            assertThat(d.endpoints()).extracting(e -> e.address() + " active=" + e.activeRequests() + " ejected="
                    + e.ejected()).containsExactly("10.0.0.1 active=1 ejected=false",
                    "10.0.0.2 active=0 ejected=true");
            assertThat(d.endpoints().get(0).labels()).containsEntry("version", "v1");
        });
        inFlight.onResponse(open, 200, -1, false, true);
        open.release();
    }
}

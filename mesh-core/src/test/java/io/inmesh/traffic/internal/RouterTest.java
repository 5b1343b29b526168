package io.inmesh.traffic.internal;

import static io.inmesh.traffic.TrafficFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.discovery.EndpointRegistry;
import io.inmesh.traffic.RouteDecision;
import io.inmesh.traffic.RouteStatus;
import io.inmesh.traffic.SimpleRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final String REVIEWS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - name: jason
                match:
                - headers: {end-user: {exact: jason}}
                route:
                - destination: {host: reviews, subset: v2}
              - name: api
                match:
                - uri: {prefix: /api/}
                  method: {exact: POST}
                - uri: {regex: "/v[0-9]+/.*"}
                route:
                - destination: {host: reviews, subset: v3}
              - name: default
                route:
                - destination: {host: reviews, subset: v1}
                  weight: 75
                - destination: {host: reviews, subset: v3}
                  weight: 25
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: default}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
              - {name: v3, labels: {version: v3}}
            """;

    private static Router router(String yaml, Workload self) {
        return Router.compile(snapshot(yaml), self, EndpointRegistry.empty());
    }

    private static RouteDecision route(Router r, String method, String url, Map<String, String> headers) {
        return r.route(SimpleRequest.of(method, url, headers));
    }

    @Test
    void firstMatchingRuleWinsAndShortHostsResolveInTheCallersNamespace() {
        Router r = router(REVIEWS, Workload.of("default"));
        RouteDecision jason = route(r, "GET", "http://reviews:9080/reviews/1", Map.of("End-User", "jason"));
        assertThat(jason.status()).isEqualTo(RouteStatus.ROUTED);
        assertThat(jason.host()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(jason.virtualService()).isEqualTo("default/reviews");
        assertThat(jason.routeName()).isEqualTo("jason");
        assertThat(jason.destinations()).singleElement()
                .satisfies(d -> assertThat(d.subset()).isEqualTo("v2"));

        assertThat(route(r, "POST", "http://reviews:9080/api/x", Map.of()).routeName()).isEqualTo("api");
        assertThat(route(r, "GET", "http://reviews:9080/api/x", Map.of()).routeName()).isEqualTo("default");
        assertThat(route(r, "GET", "http://reviews.default:9080/v2/x", Map.of()).routeName()).isEqualTo("api");
        assertThat(route(r, "GET", "http://reviews.default.svc.cluster.local/v22", Map.of()).routeName())
                .isEqualTo("default");
        RouteDecision d = route(r, "GET", "http://reviews/", Map.of());
        assertThat(d.destinations()).extracting(s -> s.subset() + "=" + s.share())
                .containsExactly("v1=0.75", "v3=0.25");
    }

    @Test
    void aCallerInAnotherNamespaceReachesTheHostOnlyByItsLongerName() {
        Router r = router(REVIEWS, Workload.of("other"));
        RouteDecision shortName = route(r, "GET", "http://reviews:9080/", Map.of());
        assertThat(shortName.host()).isEqualTo("reviews.other.svc.cluster.local");
        assertThat(shortName.status()).isEqualTo(RouteStatus.PASSTHROUGH);
        assertThat(route(r, "GET", "http://reviews.default:9080/", Map.of()).status()).isEqualTo(RouteStatus.ROUTED);
        assertThat(route(r, "GET", "http://reviews.default.svc:9080/", Map.of()).status())
                .isEqualTo(RouteStatus.ROUTED);
    }

    @Test
    void noRuleMatchedIsNoRouteAndNoVirtualServiceIsPassThroughWithTheDefaultRetryPolicy() {
        Router r = router("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: only-v1}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{uri: {exact: /ok}}]
                    route: [{destination: {host: ratings}}]
                """, Workload.of("default"));
        RouteDecision none = route(r, "GET", "http://ratings/nope", Map.of());
        assertThat(none.status()).isEqualTo(RouteStatus.NO_ROUTE);
        assertThat(none.virtualService()).isEqualTo("default/only-v1");
        assertThat(none.routeIndex()).isEqualTo(-1);

        RouteDecision pass = route(r, "GET", "http://example.org:8080/x", Map.of());
        assertThat(pass.status()).isEqualTo(RouteStatus.PASSTHROUGH);
        assertThat(pass.host()).isEqualTo("example.org");
        assertThat(pass.port()).isEqualTo(8080);
        assertThat(pass.retries().attempts()).isEqualTo(2);
        assertThat(pass.retries().retryOn()).containsExactly("connect-failure", "refused-stream", "unavailable",
                "cancelled", "retriable-status-codes");
        assertThat(pass.retries().retriableStatusCodes()).isEmpty();
        assertThat(pass.retries().isDefault()).isTrue();
        assertThat(pass.timeout()).isNull();
        assertThat(route(r, "GET", "http://example.org:8080/y", Map.of()).plan()).isSameAs(pass.plan());
    }

    @Test
    void sourceLabelsNamespacePortQueryAndWithoutHeaders() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: r}
                spec:
                  hosts: [svc]
                  http:
                  - name: from-canary
                    match: [{sourceLabels: {app: web, track: canary}}]
                    route: [{destination: {host: svc, port: {number: 1}}}]
                  - name: from-prod
                    match: [{sourceNamespace: prod}]
                    route: [{destination: {host: svc, port: {number: 2}}}]
                  - name: port-8080
                    match: [{port: 8080}]
                    route: [{destination: {host: svc, port: {number: 3}}}]
                  - name: debug
                    match: [{queryParams: {debug: {exact: "1"}}}]
                    route: [{destination: {host: svc, port: {number: 4}}}]
                  - name: anonymous
                    match: [{withoutHeaders: {authorization: {}}}]
                    route: [{destination: {host: svc, port: {number: 5}}}]
                  - name: rest
                    route: [{destination: {host: svc, port: {number: 6}}}]
                """;
        assertThat(route(router(yaml, Workload.of("default", Map.of("app", "web", "track", "canary"))), "GET",
                "http://svc/", Map.of()).routeName()).isEqualTo("from-canary");
        assertThat(route(router(yaml, Workload.of("default", Map.of("app", "web"))), "GET",
                "http://svc.default/", Map.of("authorization", "x")).routeName()).isEqualTo("rest");
        assertThat(route(router(yaml, Workload.of("prod")), "GET", "http://svc.default/", Map.of()).routeName())
                .isEqualTo("from-prod");
        Router r = router(yaml, Workload.of("default"));
        assertThat(route(r, "GET", "http://svc:8080/", Map.of()).routeName()).isEqualTo("port-8080");
        assertThat(route(r, "GET", "http://svc/?a=b&debug=1", Map.of("authorization", "x")).routeName())
                .isEqualTo("debug");
        assertThat(route(r, "GET", "http://svc/?debug=2", Map.of()).routeName()).isEqualTo("anonymous");
        assertThat(route(r, "GET", "http://svc/", Map.of("authorization", "Bearer x")).routeName()).isEqualTo("rest");
    }

    @Test
    void ignoreUriCaseAndWildcardHosts() {
        Router r = router("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: web}
                spec:
                  hosts: ["*.example.com"]
                  http:
                  - name: admin
                    match: [{uri: {prefix: /Admin}, ignoreUriCase: true}]
                    route: [{destination: {host: admin.example.com}}]
                  - route: [{destination: {host: web.example.com}}]
                """, Workload.of("default"));
        RouteDecision d = route(r, "GET", "https://shop.example.com/ADMIN/users", Map.of());
        assertThat(d.routeName()).isEqualTo("admin");
        assertThat(d.port()).isEqualTo(443);
        assertThat(d.matchedPrefixLength()).isEqualTo(6);
        assertThat(route(r, "GET", "https://shop.example.com/other", Map.of()).routeName()).isEqualTo("http[1]");
        assertThat(route(r, "GET", "https://example.com/", Map.of()).status()).isEqualTo(RouteStatus.PASSTHROUGH);
    }

    @Test
    void retriesTimeoutsFaultsAndMirrorsAreCompiledAsIstioTranslatesThem() {
        Router r = router("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: p}
                spec:
                  hosts: [p]
                  http:
                  - name: tuned
                    match: [{uri: {exact: /tuned}}]
                    timeout: 3s
                    retries: {attempts: 4, perTryTimeout: 500ms, retryOn: "gateway-error,409,reset"}
                    fault:
                      delay: {fixedDelay: 2s, percentage: {value: 12.5}}
                      abort: {grpcStatus: UNAVAILABLE}
                    mirror: {host: p, subset: shadow}
                    mirrorPercentage: {value: 5}
                    route: [{destination: {host: p}}]
                  - name: no-retries
                    match: [{uri: {exact: /none}}]
                    retries: {attempts: 0}
                    mirrors:
                    - destination: {host: q}
                    - destination: {host: r}
                      percentage: {value: 50}
                    route: [{destination: {host: p}}]
                  - name: default-retry-on
                    retries: {attempts: 3}
                    route: [{destination: {host: p}}]
                """, Workload.of("default"));
        RouteDecision t = route(r, "GET", "http://p/tuned", Map.of());
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(t.retries().attempts()).isEqualTo(4);
        assertThat(t.retries().perTryTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(t.retries().retryOn()).containsExactly("gateway-error", "409", "reset");
        assertThat(t.retries().retriableStatusCodes()).containsExactly(409);
        assertThat(t.plan().retry.retriableResponse(503, -1, false)).isTrue();
        assertThat(t.plan().retry.retriableResponse(500, -1, false)).isFalse();
        assertThat(t.plan().retry.retriableResponse(409, -1, false)).isTrue();
        assertThat(t.fault().delay().percentage()).isEqualTo(12.5);
        assertThat(t.fault().abort().grpcStatus()).isEqualTo("UNAVAILABLE");
        assertThat(t.fault().abort().percentage()).isEqualTo(100.0);
        assertThat(t.plan().fault.abortGrpcStatus).isEqualTo(14);
        assertThat(t.mirrors()).singleElement().satisfies(m -> {
            assertThat(m.host()).isEqualTo("p.default.svc.cluster.local");
            assertThat(m.subset()).isEqualTo("shadow");
            assertThat(m.percentage()).isEqualTo(5.0);
        });

        RouteDecision n = route(r, "GET", "http://p/none", Map.of());
        assertThat(n.retries().attempts()).isZero();
        assertThat(n.plan().retry.retriableFailure(TryFailure.CONNECT_FAILURE)).isFalse();
        assertThat(n.mirrors()).extracting(m -> m.percentage()).containsExactly(100.0, 50.0);

        RouteDecision d = route(r, "GET", "http://p/other", Map.of());
        assertThat(d.retries().attempts()).isEqualTo(3);
        assertThat(d.retries().retryOn()).contains("connect-failure");
        assertThat(d.plan().retry.retriableResponse(503, -1, false)).as("503 is not retried by default").isFalse();
        assertThat(d.plan().retry.retriableResponse(200, 14, false)).as("gRPC unavailable").isTrue();
        assertThat(d.plan().retry.retriableFailure(TryFailure.CONNECT_FAILURE)).isTrue();
        assertThat(d.plan().retry.retriableFailure(TryFailure.RESET)).isFalse();
        assertThat(d.plan().retry.retriableFailure(TryFailure.TLS_FAILURE)).isFalse();
    }

    @Test
    void redirectsDirectResponsesAndDelegates() {
        Router r = router("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: root}
                spec:
                  hosts: [web]
                  http:
                  - match: [{uri: {prefix: /old}}]
                    redirect: {uri: /new, redirectCode: 308}
                  - match: [{uri: {exact: /health}}]
                    directResponse: {status: 200, body: {string: ok}}
                  - match: [{uri: {prefix: /shop}}]
                    delegate: {name: shop}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  http:
                  - name: cart
                    match: [{uri: {prefix: /shop/cart}}]
                    route: [{destination: {host: cart}}]
                  - name: catalog
                    match: [{headers: {x-beta: {exact: "1"}}}]
                    route: [{destination: {host: catalog-beta}}]
                """, Workload.of("default"));
        assertThat(route(r, "GET", "http://web/old/x", Map.of()).status()).isEqualTo(RouteStatus.REDIRECT);
        RouteDecision health = route(r, "GET", "http://web/health", Map.of());
        assertThat(health.status()).isEqualTo(RouteStatus.DIRECT_RESPONSE);
        assertThat(new String(health.plan().directBody)).isEqualTo("ok");
        RouteDecision cart = route(r, "GET", "http://web/shop/cart/1", Map.of());
        assertThat(cart.routeName()).isEqualTo("cart");
        assertThat(cart.destinations().get(0).host()).isEqualTo("cart.default.svc.cluster.local");
        assertThat(route(r, "GET", "http://web/shop/x", Map.of("x-beta", "1")).routeName()).isEqualTo("catalog");
        assertThat(route(r, "GET", "http://web/other/x", Map.of("x-beta", "1")).status())
                .as("the delegate's rules apply only under the root rule's match").isEqualTo(RouteStatus.NO_ROUTE);
    }

    @Test
    void envoySubstitutionBecomesRe2jReplacement() {
        assertThat(Router.envoySubstitution("/v\\1/x$")).isEqualTo("/v$1/x\\$");
    }
}

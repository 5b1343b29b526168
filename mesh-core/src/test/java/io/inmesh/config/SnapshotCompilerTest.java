package io.inmesh.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.internal.compile.CompiledHttpRoute;
import io.inmesh.config.internal.compile.CompiledMatch;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotCompilerTest {

    static MeshSnapshot compile(String yaml) {
        ConfigHolder h = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = h.update(ConfigHolderTest.files(yaml));
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected r ? r.rejection().diagnostics() : "")
                .isInstanceOf(ConfigUpdate.Applied.class);
        return h.current();
    }

    @Test
    void resolvesHostsInTheResourceNamespaceAndPrefersExactOverWildcard() {
        MeshSnapshot s = compile("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a, namespace: prod}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: b}
                spec:
                  hosts: ["*.example.com"]
                  http:
                  - route: [{destination: {host: web.example.com}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: c}
                spec:
                  hosts: ["*.api.example.com"]
                  http:
                  - route: [{destination: {host: api}}]
                """);
        assertThat(s.virtualServicesFor("reviews.prod.svc.cluster.local")).singleElement()
                .satisfies(v -> assertThat(v.source().metadata().name()).isEqualTo("a"));
        assertThat(s.virtualServicesFor("reviews.default.svc.cluster.local")).isEmpty();
        assertThat(s.virtualServicesFor("x.api.example.com")).singleElement()
                .satisfies(v -> assertThat(v.source().metadata().name()).isEqualTo("c"));
        assertThat(s.virtualServicesFor("WWW.example.com")).singleElement()
                .satisfies(v -> assertThat(v.source().metadata().name()).isEqualTo("b"));
        assertThat(s.virtualServicesFor("example.com")).isEmpty();
        CompiledHttpRoute route = s.virtualServicesFor("x.api.example.com").get(0).routes().get(0);
        assertThat(route.destinations().destinations().get(0).host()).isEqualTo("api.default.svc.cluster.local");
    }

    @Test
    void weightsArePrefixSummedAndPickedInProportion() {
        MeshSnapshot s = compile("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: r}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: 1}
                    - {destination: {host: reviews, subset: v2}, weight: 0}
                    - {destination: {host: reviews, subset: v3}, weight: 3}
                """);
        var wd = s.virtualServicesFor("reviews.default.svc.cluster.local").get(0).routes().get(0).destinations();
        assertThat(wd.total()).isEqualTo(4);
        Map<String, Integer> counts = new HashMap<>();
        for (int t = 0; t < wd.total(); t++) {
            counts.merge(wd.pick(t).subset(), 1, Integer::sum);
        }
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("v1", 1, "v3", 3));
    }

    @Test
    void compilesMatchesWithRe2AndCaseRules() {
        MeshSnapshot s = compile("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: r}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - uri: {prefix: /API}
                      ignoreUriCase: true
                      headers:
                        x-user: {regex: "jas.n"}
                        x-present: {}
                      withoutHeaders:
                        x-debug: {regex: "*"}
                    route: [{destination: {host: reviews}}]
                """);
        CompiledMatch m = s.virtualServicesFor("reviews.default.svc.cluster.local").get(0).routes().get(0)
                .matches().get(0);
        assertThat(m.uri().matches("/api/v1")).isTrue();
        assertThat(m.uri().matches("/other")).isFalse();
        assertThat(m.headers().get(0).matcher().matches("jason")).isTrue();
        assertThat(m.headers().get(0).matcher().matches("jasonx")).isFalse(); // full match, as Envoy
        assertThat(m.headers().get(1).matcher().matches("")).isTrue();
        assertThat(m.headers().get(1).matcher().matches(null)).isFalse();
        assertThat(m.withoutHeaders().get(0).matcher().matches("anything")).isTrue();
    }

    @Test
    void indexesPoliciesByScope() {
        MeshSnapshot s = compile("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: mesh, namespace: istio-system}
                spec: {mtls: {mode: STRICT}}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: ns, namespace: shop}
                spec: {mtls: {mode: PERMISSIVE}}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: web, namespace: shop}
                spec:
                  selector: {matchLabels: {app: web}}
                  mtls: {mode: DISABLE}
                """);
        var idx = s.peerAuthentications();
        assertThat(idx.forWorkload("shop", Map.of("app", "web")).all().stream().map(p -> p.metadata().name()))
                .containsExactly("mesh", "ns", "web");
        assertThat(idx.forWorkload("shop", Map.of("app", "web")).workload().stream().map(p -> p.metadata().name()))
                .containsExactly("web");
        assertThat(idx.forWorkload("shop", Map.of("app", "db")).all().stream().map(p -> p.metadata().name()))
                .containsExactly("mesh", "ns");
        assertThat(idx.forWorkload("other", Map.of()).all().stream().map(p -> p.metadata().name()))
                .containsExactly("mesh");
    }

    @Test
    void rootNamespaceSelectorsApplyMeshWideExceptForPeerAuthenticationAndTargetRefPoliciesAreLeftOut() {
        MeshSnapshot s = compile("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: root-selector, namespace: istio-system}
                spec:
                  selector: {matchLabels: {app: web}}
                  mtls: {mode: DISABLE}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: root-selector, namespace: istio-system}
                spec:
                  selector: {matchLabels: {app: web}}
                  rules: [{}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: gateway-only, namespace: shop}
                spec:
                  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: edge}]
                  rules: [{}]
                """);
        assertThat(s.peerAuthentications().forWorkload("shop", Map.of("app", "web")).isEmpty()).isTrue();
        assertThat(s.peerAuthentications().size()).isZero();
        var authz = s.authorizationPolicies().forWorkload("shop", Map.of("app", "web"));
        assertThat(authz.workload().stream().map(p -> p.metadata().name())).containsExactly("root-selector");
        assertThat(authz.namespace()).isEmpty();
        assertThat(s.authorizationPolicies().forWorkload("shop", Map.of("app", "db")).isEmpty()).isTrue();
    }

    @Test
    void destinationRuleLookupFollowsIstiosNamespaceOrderAndWildcards() {
        MeshSnapshot s = compile("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: in-client, namespace: frontend}
                spec: {host: reviews.shop.svc.cluster.local, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: in-service, namespace: shop}
                spec: {host: reviews, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: in-root, namespace: istio-system}
                spec: {host: "*.shop.svc.cluster.local", trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}
                """);
        String reviews = "reviews.shop.svc.cluster.local";
        assertThat(s.destinationRuleFor(reviews, "frontend").metadata().name()).isEqualTo("in-client");
        assertThat(s.destinationRuleFor(reviews, "other").metadata().name()).isEqualTo("in-service");
        assertThat(s.destinationRuleFor("ratings.shop.svc.cluster.local", "other").metadata().name())
                .isEqualTo("in-root");
        assertThat(s.destinationRuleFor("ratings.default.svc.cluster.local", "other")).isNull();
    }
}

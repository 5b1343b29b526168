package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.AuthorizationPolicy.Action;
import io.inmesh.config.AuthorizationPolicy.Condition;
import io.inmesh.config.AuthorizationPolicy.From;
import io.inmesh.config.AuthorizationPolicy.Operation;
import io.inmesh.config.AuthorizationPolicy.Rule;
import io.inmesh.config.AuthorizationPolicy.Source;
import io.inmesh.config.AuthorizationPolicy.To;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.ObjectMeta;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.SpiffeId;
import io.inmesh.traffic.TrafficFixtures;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizationEngineTest {

    private static AuthorizationPolicy policy(String name, Action action, Rule... rules) {
        return new AuthorizationPolicy("security.istio.io/v1", new ObjectMeta(name, "ns", Map.of(), Map.of()),
                new AuthorizationPolicy.Spec(null, null, null, rules.length == 0 ? null : List.of(rules), action,
                        null));
    }

    private static Rule to(Operation op) {
        return new Rule(null, List.of(new To(op)), null);
    }

    private static Operation paths(String... paths) {
        return new Operation(null, null, null, null, null, null, List.of(paths), null);
    }

    private static Operation methods(String... methods) {
        return new Operation(null, null, null, null, List.of(methods), null, null, null);
    }

    private static Source principals(String... p) {
        return new Source(List.of(p), null, null, null, null, null, null, null, null, null, null, null);
    }

    private static Source ipBlocks(String... b) {
        return new Source(null, null, null, null, null, null, List.of(b), null, null, null, null, null);
    }

    private static AuthorizationEngine engine(AuthorizationPolicy... policies) {
        return AuthorizationEngine.of(List.of(policies), PathNormalizer.standard());
    }

    private static StaticInboundRequest.Builder get(String path) {
        return StaticInboundRequest.builder().method("GET").path(path);
    }

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        AuthzDecision d = engine().evaluate(get("/%2F").build(), null);

        assertThat(d.allowed()).isTrue();
        assertThat(d.policy()).isNull();
        assertThat(d.action()).isNull();
        assertThat(d.reason()).isEqualTo("no AuthorizationPolicy applies to this workload");
        assertThat(engine().enforcing()).isFalse();
    }

    @Test
    void denyIsCheckedBeforeAllowAndNamesItsPolicyAndRule() {
        AuthorizationEngine e = engine(
                policy("allow-get", Action.ALLOW, to(methods("GET"))),
                policy("deny-admin", Action.DENY, to(paths("/public")), to(paths("/admin*"))));

        AuthzDecision denied = e.evaluate(get("/admin/x").build(), null);
        AuthzDecision allowed = e.evaluate(get("/x").build(), null);
        AuthzDecision notAllowed = e.evaluate(get("/x").method("POST").build(), null);

        assertThat(denied).isEqualTo(new AuthzDecision(false, "ns/deny-admin", "DENY",
                "denied by DENY policy ns/deny-admin (rules[1] matched): RBAC: access denied"));
        assertThat(allowed).isEqualTo(new AuthzDecision(true, "ns/allow-get", "ALLOW",
                "allowed by ALLOW policy ns/allow-get (rules[0] matched)"));
        assertThat(notAllowed).isEqualTo(new AuthzDecision(false, null, null,
                "no ALLOW policy matched (1 applies): RBAC: access denied"));
        assertThat(e.policies()).containsExactly("ns/allow-get (ALLOW)", "ns/deny-admin (DENY)");
    }

    @Test
    void anAllowPolicyWithoutRulesDeniesEverythingAndAnEmptyRuleAllowsEverything() {
        assertThat(engine(policy("nothing", Action.ALLOW)).evaluate(get("/").build(), null).allowed()).isFalse();
        assertThat(engine(policy("all", Action.ALLOW, new Rule(null, null, null))).evaluate(get("/").build(), null)
                .policy()).isEqualTo("ns/all");
        assertThat(engine(policy("nothing", Action.ALLOW), policy("all", Action.ALLOW, new Rule(null, null, null)))
                .evaluate(get("/").build(), null).allowed()).isTrue();
    }

    @Test
    void auditAndCustomNeverDecide() {
        AuthorizationEngine e = engine(
                policy("audit", Action.AUDIT, new Rule(null, null, null)),
                policy("custom", Action.CUSTOM, new Rule(null, null, null)));

        AuthzDecision d = e.evaluate(get("/").build(), null);

        assertThat(d.allowed()).isTrue();
        assertThat(d.policy()).isNull();
        assertThat(e.auditPolicy(get("/").build(), null)).isEqualTo("ns/audit");
        assertThat(e.ignoredPolicies()).containsExactly("ns/custom");
        assertThat(e.policies()).containsExactly("ns/audit (AUDIT)");
        assertThat(e.enforcing()).isFalse();
    }

    @Test
    void aRejectedPathIsABadRequestOnlyWhereAPolicyLooksAtPaths() {
        AuthorizationEngine byPath = engine(policy("deny-admin", Action.DENY, to(paths("/admin*"))));
        AuthorizationEngine byMethod = engine(policy("deny-delete", Action.DENY, to(methods("DELETE"))));

        AuthzDecision bad = byPath.evaluate(get("/admin%2fx").build(), null);

        assertThat(bad.allowed()).isFalse();
        assertThat(AuthorizationEngine.isBadRequest(bad)).isTrue();
        assertThat(bad.reason()).isEqualTo("bad request (400): the path holds an encoded slash or backslash"
                + " (%2F or %5C)");
        assertThat(AuthorizationEngine.isBadRequest(byPath.evaluate(get("/admin").build(), null))).isFalse();
        assertThat(byMethod.evaluate(get("/admin%2fx").build(), null).allowed()).isTrue();
        assertThat(AuthorizationEngine.isBadRequest(new AuthzDecision(false, null, null, bad.reason()))).isFalse();
    }

    @Test
    void theNormaliserCanKeepEncodedSlashesAsIstiosDefaultDoes() {
        AuthorizationEngine keep = AuthorizationEngine.of(List.of(policy("deny-admin", Action.DENY,
                to(paths("/admin/*")))), PathNormalizer.of(PathNormalizer.EscapedSlashes.KEEP));

        assertThat(keep.evaluate(get("/admin%2Fsecret").build(), null).allowed())
                .as("Istio BASE: %2F is not a separator, so /admin/* does not match").isTrue();
        assertThat(keep.evaluate(get("/admin/secret").build(), null).allowed()).isFalse();
    }

    @Test
    void valuesThatCannotCompileMakeAllowSmallerAndDenyLarger() {
        // the validator refuses these; the engine still fails closed if one reaches it
        Rule badAllow = new Rule(List.of(new From(ipBlocks("not-an-ip"))), null, null);
        Rule badDeny = new Rule(List.of(new From(ipBlocks("not-an-ip", "10.0.0.0/8"))), null, null);
        Rule unknownKey = new Rule(null, null, List.of(new Condition("request.unknown", List.of("x"), null)));

        assertThat(engine(policy("a", Action.ALLOW, badAllow)).evaluate(get("/").sourceIp("10.1.1.1").build(), null)
                .allowed()).isFalse();
        AuthorizationEngine deny = engine(policy("d", Action.DENY, badDeny));
        assertThat(deny.evaluate(get("/").sourceIp("10.1.1.1").build(), null).allowed()).isFalse();
        assertThat(deny.evaluate(get("/").sourceIp("192.168.1.1").build(), null).allowed()).isTrue();
        assertThat(engine(policy("d", Action.DENY, unknownKey)).evaluate(get("/").build(), null).allowed()).isFalse();
        assertThat(engine(policy("a", Action.ALLOW, unknownKey)).evaluate(get("/").build(), null).allowed()).isFalse();
    }

    @Test
    void forWorkloadUsesThePoliciesInScope() {
        MeshSnapshot snapshot = TrafficFixtures.snapshot("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-all, namespace: istio-system}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {paths: ["/internal*"]}}]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: web-only, namespace: shop}
                spec:
                  selector: {matchLabels: {app: cart}}
                  rules: [{from: [{source: {principals: ["cluster.local/ns/web/sa/*"]}}]}]
                """);
        AuthorizationEngine cart = AuthorizationEngine.forWorkload(snapshot, "shop", Map.of("app", "cart"));
        AuthorizationEngine other = AuthorizationEngine.forWorkload(snapshot, "blog", Map.of("app", "cart"));
        SpiffeId web = new SpiffeId("cluster.local", "/ns/web/sa/frontend");

        assertThat(cart.evaluate(get("/x").peer(web).build(), null).policy()).isEqualTo("shop/web-only");
        assertThat(cart.evaluate(get("/x").build(), null).allowed()).isFalse();
        assertThat(other.evaluate(get("/x").build(), null).allowed()).isTrue();
        assertThat(other.evaluate(get("/internal/x").build(), null).policy()).isEqualTo("istio-system/deny-all");
        assertThat(cart.policies()).containsExactly("istio-system/deny-all (DENY)", "shop/web-only (ALLOW)");
    }

    @Test
    void evaluatingANormalRequestAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation accounting unsupported");
        threads.setThreadAllocatedMemoryEnabled(true);

        AuthorizationEngine e = engine(
                policy("deny", Action.DENY, to(paths("/admin*", "/internal/{**}")),
                        new Rule(List.of(new From(ipBlocks("203.0.113.0/24", "2001:db8::/32"))), null, null)),
                policy("allow", Action.ALLOW,
                        new Rule(List.of(new From(principals("cluster.local/ns/web/*"))),
                                List.of(new To(new Operation(List.of("shop.example.com"), null, List.of("8080"), null,
                                        List.of("GET", "POST"), null, List.of("/api/*", "/orders/{*}/items"), null))),
                                List.of(new Condition("request.headers[x-version]", List.of("v2*"), null)))));
        StaticInboundRequest r = get("/orders/42/items").host("shop.example.com:8080").destinationPort(8080)
                .peer(new SpiffeId("cluster.local", "/ns/web/sa/frontend")).sourceIp("::ffff:10.1.2.3")
                .header("x-version", "v2.1").build();
        assertThat(e.evaluate(r, null).policy()).isEqualTo("ns/allow");

        long threadId = Thread.currentThread().getId();
        int count = 200_000;
        int allowed = 0;
        for (int i = 0; i < count; i++) { // warm up
            allowed += e.evaluate(r, null).allowed() ? 1 : 0;
        }
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < count; i++) {
            allowed += e.evaluate(r, null).allowed() ? 1 : 0;
        }
        long bytes = threads.getThreadAllocatedBytes(threadId) - before;

        assertThat(allowed).isEqualTo(2 * count);
        assertThat(bytes).as("bytes allocated by %d evaluations", count).isLessThan(64 * 1024);
    }
}

package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.AuthorizationPolicy.Action;
import io.inmesh.config.AuthorizationPolicy.Condition;
import io.inmesh.config.AuthorizationPolicy.Operation;
import io.inmesh.config.AuthorizationPolicy.Rule;
import io.inmesh.config.AuthorizationPolicy.Source;
import io.inmesh.config.AuthorizationPolicy.From;
import io.inmesh.config.AuthorizationPolicy.To;
import io.inmesh.config.ObjectMeta;
import io.inmesh.security.AuthzDecision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Authorization bypass attempts through hosts and headers: each is refused (a failing assertion is a bypass). */
class AuthzBypassTest {

    private static AuthorizationPolicy policy(String name, Action action, Rule... rules) {
        return new AuthorizationPolicy("security.istio.io/v1", new ObjectMeta(name, "ns", Map.of(), Map.of()),
                new AuthorizationPolicy.Spec(null, null, null, List.of(rules), action, null));
    }

    private static Rule hosts(String... h) {
        return new Rule(null, List.of(new To(new Operation(List.of(h), null, null, null, null, null, null, null))),
                null);
    }

    private static Rule paths(String... p) {
        return new Rule(null, List.of(new To(new Operation(null, null, null, null, null, null, List.of(p), null))),
                null);
    }

    private static Rule when(String key, String... values) {
        return new Rule(null, null, List.of(new Condition(key, List.of(values), null)));
    }

    private static Rule ipBlocks(String... b) {
        return new Rule(List.of(new From(new Source(null, null, null, null, null, null, List.of(b), null, null, null,
                null, null))), null, null);
    }

    private static AuthzDecision eval(AuthorizationEngine e, StaticInboundRequest.Builder r) {
        return e.evaluate(r.build(), null);
    }

    // ---- hosts ----------------------------------------------------------------------------------------------------

    /**
     * Cond.host strips a port so that "a DENY on a host cannot be stepped around by adding a port", but a trailing
     * dot (an absolute FQDN, served by the same virtual host in most servers) still steps around it.
     */
    @Test
    void hostDenyIsNotSteppedAroundWithATrailingDot() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("deny-admin", Action.DENY,
                hosts("admin.example.com"))), PathNormalizer.standard());
        assertThat(eval(e, StaticInboundRequest.builder().host("admin.example.com:8080")).allowed())
                .as("control: with a port").isFalse();
        assertThat(eval(e, StaticInboundRequest.builder().host("admin.example.com.")).allowed())
                .as("trailing dot").isFalse();
        assertThat(eval(e, StaticInboundRequest.builder().host("admin.example.com.:8080")).allowed())
                .as("trailing dot and port").isFalse();
    }

    /**
     * Hosts compare with String.regionMatches(ignoreCase=true), which folds non-ASCII letters: KELVIN SIGN (U+212A)
     * lower-cases to 'k'. Envoy compares ASCII case-insensitively only, so in Istio this ALLOW does not match.
     */
    @Test
    void allowOnAHostMatchesOnlyAsciiCaseVariants() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("allow-kiali", Action.ALLOW,
                hosts("kiali.example.com"))), PathNormalizer.standard());
        assertThat(eval(e, StaticInboundRequest.builder().host("KIALI.example.com")).allowed())
                .as("control: ASCII case").isTrue();
        assertThat(eval(e, StaticInboundRequest.builder().host("\u212Aiali.example.com")).allowed())
                .as("U+212A KELVIN SIGN must not equal 'k'").isFalse();
    }

    // ---- headers --------------------------------------------------------------------------------------------------

    /**
     * Repeated headers are joined with ',' before matching (as Envoy does): a DENY on one header value would be stepped
     * around by sending the header twice ("admin,admin" is not "admin"), while the application's getHeader() returns
     * the first value "admin". In DENY policies a repeated header matches when any one of its values does.
     */
    @Test
    void aDenyOnAHeaderValueIsNotSteppedAroundByRepeatingTheHeader() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("deny-admin", Action.DENY,
                when("request.headers[x-role]", "admin"))), PathNormalizer.standard());
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "admin")).allowed())
                .as("control: once").isFalse();
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "admin").header("x-role", "admin"))
                .allowed()).as("twice").isFalse();
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "guest").header("x-role", "admin"))
                .allowed()).as("after another value").isFalse();
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "guest").header("x-role", "viewer"))
                .allowed()).as("neither value is admin").isTrue();
    }

    /**
     * Whitespace around a value (a server that leaves it in, such as Tomcat unfolding {@code "x-role:\r\n admin"}
     * into {@code " admin"}, which the application's framework trims) does not step around a DENY on the value.
     */
    @Test
    void aDenyOnAHeaderValueIsNotSteppedAroundByWhitespaceAroundIt() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("deny-admin", Action.DENY,
                when("request.headers[x-role]", "admin"))), PathNormalizer.standard());
        for (String v : List.of(" admin", "admin ", "\tadmin", "\r\n admin", " admin\t")) {
            assertThat(eval(e, StaticInboundRequest.builder().header("x-role", v)).allowed())
                    .as("[%s]", v).isFalse();
            assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "guest").header("x-role", v))
                    .allowed()).as("repeated, [%s]", v).isFalse();
        }
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", " ad min ")).allowed())
                .as("whitespace inside stays").isTrue();
    }

    /**
     * In an ALLOW policy the joined form is what matches (as in Envoy): a second value that the policy allows does not
     * let in a request whose first value (what the application reads) it does not allow.
     */
    @Test
    void anAllowOnAHeaderValueDoesNotLetInARepeatedHeaderWithAnotherValue() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("allow-tenant-a", Action.ALLOW,
                when("request.headers[x-tenant]", "a"))), PathNormalizer.standard());
        assertThat(eval(e, StaticInboundRequest.builder().header("x-tenant", "a")).allowed()).as("control").isTrue();
        assertThat(eval(e, StaticInboundRequest.builder().header("x-tenant", "b").header("x-tenant", "a"))
                .allowed()).isFalse();
    }

    /** notValues in a DENY keep the joined form, which already fails closed: "admin,x" is not "admin". */
    @Test
    void aDenyWithNotValuesStillAppliesToARepeatedHeader() {
        AuthorizationEngine e = AuthorizationEngine.of(List.of(policy("deny-non-admin", Action.DENY,
                new Rule(null, null, List.of(new Condition("request.headers[x-role]", null, List.of("admin")))))),
                PathNormalizer.standard());
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "admin")).allowed()).as("control")
                .isTrue();
        assertThat(eval(e, StaticInboundRequest.builder().header("x-role", "admin").header("x-role", "x"))
                .allowed()).isFalse();
    }
}

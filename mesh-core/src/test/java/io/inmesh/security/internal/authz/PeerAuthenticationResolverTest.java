package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication.Mode;
import io.inmesh.traffic.TrafficFixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Istio's composition of PeerAuthentication: workload over namespace over mesh, UNSET inherits, ports override. */
class PeerAuthenticationResolverTest {

    private static final String MESH_STRICT = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: istio-system}
            spec: {mtls: {mode: STRICT}}
            """;

    private static final String SHOP = """
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: shop}
            spec: {mtls: {mode: PERMISSIVE}}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: catalog, namespace: shop}
            spec:
              selector: {matchLabels: {app: catalog}}
              mtls: {mode: STRICT}
              portLevelMtls:
                8080: {mode: DISABLE}
                9090: {mode: UNSET}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: legacy, namespace: shop}
            spec:
              selector: {matchLabels: {app: legacy}}
              mtls: {mode: UNSET}
              portLevelMtls:
                7070: {mode: DISABLE}
            """;

    @Test
    void nothingConfiguredIsPermissive() {
        MeshSnapshot empty = TrafficFixtures.snapshot("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: unset, namespace: istio-system}
                spec: {}
                """);

        assertThat(PeerAuthenticationResolver.mode(empty, "shop", Map.of(), 8080)).isEqualTo(Mode.PERMISSIVE);
        assertThat(PeerAuthenticationResolver.resolve(empty, "shop", Map.of(), 8080))
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.PERMISSIVE, null, "default"));
    }

    @Test
    void theMostSpecificScopeWins() {
        MeshSnapshot s = TrafficFixtures.snapshot(MESH_STRICT + SHOP);

        assertThat(PeerAuthenticationResolver.resolve(s, "payments", Map.of("app", "x"), 80))
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.STRICT, "istio-system/default", "mesh"));
        assertThat(PeerAuthenticationResolver.resolve(s, "shop", Map.of("app", "cart"), 80))
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.PERMISSIVE, "shop/default", "namespace"));
        assertThat(PeerAuthenticationResolver.resolve(s, "shop", Map.of("app", "catalog"), 80))
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.STRICT, "shop/catalog", "workload"));
    }

    @Test
    void portLevelSettingsOverrideAndUnsetInherits() {
        MeshSnapshot s = TrafficFixtures.snapshot(MESH_STRICT + SHOP);

        assertThat(PeerAuthenticationResolver.resolve(s, "shop", Map.of("app", "catalog"), 8080))
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.DISABLE, "shop/catalog", "port"));
        assertThat(PeerAuthenticationResolver.mode(s, "shop", Map.of("app", "catalog"), 9090))
                .as("UNSET port: the workload's mode").isEqualTo(Mode.STRICT);
        assertThat(PeerAuthenticationResolver.mode(s, "shop", Map.of("app", "catalog"), 0)).isEqualTo(Mode.STRICT);
        assertThat(PeerAuthenticationResolver.resolve(s, "shop", Map.of("app", "legacy"), 80))
                .as("UNSET workload: the namespace's mode")
                .isEqualTo(new PeerAuthenticationResolver.Resolved(Mode.PERMISSIVE, "shop/default", "namespace"));
        assertThat(PeerAuthenticationResolver.mode(s, "shop", Map.of("app", "legacy"), 7070))
                .isEqualTo(Mode.DISABLE);
    }

    @Test
    void aRootNamespacePolicyWithASelectorIsIgnoredAndUnsetAtEveryLevelIsPermissive() {
        MeshSnapshot s = TrafficFixtures.snapshot("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: gateways, namespace: istio-system}
                spec:
                  selector: {matchLabels: {app: gw}}
                  mtls: {mode: DISABLE}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: shop}
                spec: {mtls: {mode: UNSET}}
                """);

        assertThat(PeerAuthenticationResolver.mode(s, "shop", Map.of("app", "gw"), 80)).isEqualTo(Mode.PERMISSIVE);
        assertThat(PeerAuthenticationResolver.mode(s, "istio-system", Map.of("app", "gw"), 80))
                .isEqualTo(Mode.PERMISSIVE);
    }

    @Test
    void severalPoliciesInOneScopeTakeTheFirstByName() {
        MeshSnapshot s = TrafficFixtures.snapshot("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: b-strict, namespace: shop}
                spec: {mtls: {mode: STRICT}}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: a-disable, namespace: shop}
                spec: {mtls: {mode: DISABLE}}
                """);

        assertThat(PeerAuthenticationResolver.resolve(s, "shop", Map.of(), 80).policy()).isEqualTo("shop/a-disable");
    }
}

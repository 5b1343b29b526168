package io.inmesh.config;

import io.inmesh.config.internal.bind.Unsupported;
import java.util.List;

/** Istio's AuthorizationPolicy: ALLOW, DENY or AUDIT rules over sources, operations and conditions. */
public record AuthorizationPolicy(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public enum Action { ALLOW, DENY, AUDIT, CUSTOM }

    public record Spec(
            WorkloadSelector selector,
            @Unsupported("Gateway API targets do not apply in-process") PolicyTargetReference targetRef,
            @Unsupported("Gateway API targets do not apply in-process") List<PolicyTargetReference> targetRefs,
            List<Rule> rules,
            Action action,
            Provider provider) {
    }

    public record Provider(String name) {
    }

    public record Rule(List<From> from, List<To> to, List<Condition> when) {
    }

    public record From(Source source) {
    }

    public record To(Operation operation) {
    }

    public record Source(
            List<String> principals, List<String> notPrincipals,
            List<String> requestPrincipals, List<String> notRequestPrincipals,
            List<String> namespaces, List<String> notNamespaces,
            List<String> ipBlocks, List<String> notIpBlocks,
            List<String> remoteIpBlocks, List<String> notRemoteIpBlocks,
            List<String> serviceAccounts, List<String> notServiceAccounts) {
    }

    public record Operation(
            List<String> hosts, List<String> notHosts,
            List<String> ports, List<String> notPorts,
            List<String> methods, List<String> notMethods,
            List<String> paths, List<String> notPaths) {
    }

    public record Condition(String key, List<String> values, List<String> notValues) {
    }
}

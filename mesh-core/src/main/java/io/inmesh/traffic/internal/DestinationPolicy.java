package io.inmesh.traffic.internal;

import io.inmesh.config.DestinationRule;
import io.inmesh.config.DestinationRule.ClientTlsSettings;
import io.inmesh.config.DestinationRule.ConnectionPoolSettings;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.OutlierDetection;
import io.inmesh.config.DestinationRule.PortTrafficPolicy;
import io.inmesh.config.DestinationRule.RetryBudget;
import io.inmesh.config.DestinationRule.Subset;
import io.inmesh.config.DestinationRule.TrafficPolicy;
import io.inmesh.config.MeshSnapshot;
import java.util.Map;

/**
 * The traffic policy in force for one destination (host, subset, port) after Istio's merge: the DestinationRule's
 * policy, replaced field by field by its port-level settings for the port (which do not inherit), then by the
 * subset's policy (top-level fields present in the subset win), then by the subset's own port-level settings.
 * Records compare by value: a cluster keeps its runtime state (ejections, cursors) across config reloads while its
 * policy is equal.
 *
 * @param rule         the DestinationRule, {@code namespace/name}, or null when none applies
 * @param subsetLabels the subset's labels, or null when the destination names no subset
 */
public record DestinationPolicy(String rule, Map<String, String> subsetLabels, LoadBalancerSettings loadBalancer,
                                ConnectionPoolSettings connectionPool, OutlierDetection outlierDetection,
                                ClientTlsSettings tls, RetryBudget retryBudget) {

    /** No DestinationRule: Istio's defaults everywhere. */
    public static final DestinationPolicy DEFAULT = new DestinationPolicy(null, null, null, null, null, null, null);

    /** Why a destination cannot be resolved to a policy. */
    public static final class UndefinedSubsetException extends Exception {
        private static final long serialVersionUID = 1L;

        UndefinedSubsetException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The policy for calls from {@code clientNamespace} to {@code host} (fully qualified) port {@code port} and
     * {@code subset} (null: none).
     *
     * @throws UndefinedSubsetException when a subset is named and the applicable DestinationRule does not define it
     */
    public static DestinationPolicy resolve(MeshSnapshot snapshot, String clientNamespace, String host, String subset,
                                            int port) throws UndefinedSubsetException {
        DestinationRule dr = snapshot.destinationRuleFor(host, clientNamespace);
        if (dr == null) {
            if (subset != null) {
                throw new UndefinedSubsetException("subset " + subset + " of " + host
                        + " is not defined: no DestinationRule applies to the host");
            }
            return DEFAULT;
        }
        String ruleKey = dr.metadata().namespace() + "/" + dr.metadata().name();
        TrafficPolicy base = forPort(dr.spec().trafficPolicy(), port);
        Map<String, String> labels = null;
        if (subset != null) {
            Subset found = null;
            if (dr.spec().subsets() != null) {
                for (Subset s : dr.spec().subsets()) {
                    if (subset.equals(s.name())) {
                        found = s;
                        break;
                    }
                }
            }
            if (found == null) {
                throw new UndefinedSubsetException("subset " + subset + " of " + host
                        + " is not defined in DestinationRule " + ruleKey);
            }
            labels = found.labels() == null ? Map.of() : Map.copyOf(found.labels());
            base = merge(base, found.trafficPolicy(), port);
        }
        if (base == null) {
            return new DestinationPolicy(ruleKey, labels, null, null, null, null, null);
        }
        return new DestinationPolicy(ruleKey, labels, base.loadBalancer(), base.connectionPool(),
                base.outlierDetection(), base.tls(), base.retryBudget());
    }

    /** The policy with its port-level settings for {@code port} applied (they replace, and do not inherit). */
    static TrafficPolicy forPort(TrafficPolicy policy, int port) {
        if (policy == null) {
            return null;
        }
        PortTrafficPolicy p = portLevel(policy, port);
        if (p == null) {
            return policy;
        }
        return new TrafficPolicy(p.loadBalancer(), p.connectionPool(), p.outlierDetection(), p.tls(), null,
                policy.tunnel(), policy.proxyProtocol(), policy.retryBudget());
    }

    /** Istio's MergeTrafficPolicy: the subset's fields win where present, then the subset's port-level settings. */
    static TrafficPolicy merge(TrafficPolicy base, TrafficPolicy subset, int port) {
        if (subset == null) {
            return base;
        }
        TrafficPolicy b = base != null ? base : new TrafficPolicy(null, null, null, null, null, null, null, null);
        LoadBalancerSettings lb = subset.loadBalancer() != null ? subset.loadBalancer() : b.loadBalancer();
        ConnectionPoolSettings pool = subset.connectionPool() != null ? subset.connectionPool() : b.connectionPool();
        OutlierDetection od = subset.outlierDetection() != null ? subset.outlierDetection() : b.outlierDetection();
        ClientTlsSettings tls = subset.tls() != null ? subset.tls() : b.tls();
        RetryBudget budget = subset.retryBudget() != null ? subset.retryBudget() : b.retryBudget();
        PortTrafficPolicy p = portLevel(subset, port);
        if (p != null) {
            lb = p.loadBalancer();
            pool = p.connectionPool();
            od = p.outlierDetection();
            tls = p.tls();
        }
        return new TrafficPolicy(lb, pool, od, tls, null, b.tunnel(), b.proxyProtocol(), budget);
    }

    private static PortTrafficPolicy portLevel(TrafficPolicy policy, int port) {
        if (policy.portLevelSettings() == null) {
            return null;
        }
        for (PortTrafficPolicy p : policy.portLevelSettings()) {
            if (p.port() != null && p.port().number() != null && p.port().number() == port) {
                return p;
            }
        }
        return null;
    }
}

package io.inmesh.config;

import io.inmesh.config.internal.bind.Unsupported;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Istio's DestinationRule: policies that apply to traffic for a host after routing, and its subsets. */
public record DestinationRule(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public record Spec(
            String host,
            TrafficPolicy trafficPolicy,
            List<Subset> subsets,
            @Unsupported("every rule is visible to the whole process") List<String> exportTo,
            WorkloadSelector workloadSelector) {
    }

    public record TrafficPolicy(
            LoadBalancerSettings loadBalancer,
            ConnectionPoolSettings connectionPool,
            OutlierDetection outlierDetection,
            ClientTlsSettings tls,
            List<PortTrafficPolicy> portLevelSettings,
            @Unsupported("HTTP CONNECT tunnelling needs a proxy") TunnelSettings tunnel,
            @Unsupported("the PROXY protocol header needs a proxy") ProxyProtocol proxyProtocol,
            RetryBudget retryBudget) {
    }

    public record PortTrafficPolicy(
            PortSelector port,
            LoadBalancerSettings loadBalancer,
            ConnectionPoolSettings connectionPool,
            OutlierDetection outlierDetection,
            ClientTlsSettings tls) {
    }

    public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
    }

    public enum SimpleLb { UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST }

    public record LoadBalancerSettings(
            SimpleLb simple,
            ConsistentHashLb consistentHash,
            @Unsupported("a process has one locality") LocalityLoadBalancerSetting localityLbSetting,
            @Unsupported("endpoints take full traffic at once") Duration warmupDurationSecs,
            @Unsupported("endpoints take full traffic at once") WarmupConfiguration warmup) {
    }

    public record WarmupConfiguration(Duration duration, Double minimumPercent, Double aggression) {
    }

    public record ConsistentHashLb(
            String httpHeaderName,
            HttpCookie httpCookie,
            Boolean useSourceIp,
            String httpQueryParameterName,
            RingHash ringHash,
            MagLev maglev,
            Long minimumRingSize) {
    }

    public record HttpCookie(String name, String path, Duration ttl, List<CookieAttribute> attributes) {
    }

    public record CookieAttribute(String name, String value) {
    }

    public record RingHash(Long minimumRingSize) {
    }

    public record MagLev(Long tableSize) {
    }

    public record LocalityLoadBalancerSetting(List<Distribute> distribute, List<Failover> failover,
                                              List<String> failoverPriority, Boolean enabled) {
    }

    public record Distribute(String from, Map<String, Integer> to) {
    }

    public record Failover(String from, String to) {
    }

    public record ConnectionPoolSettings(TcpSettings tcp, HttpSettings http) {
    }

    public record TcpSettings(
            Integer maxConnections,
            Duration connectTimeout,
            @Unsupported("keep-alive probes are the HTTP client's socket options") TcpKeepalive tcpKeepalive,
            Duration maxConnectionDuration,
            Duration idleTimeout) {
    }

    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
    }

    public enum H2UpgradePolicy { DEFAULT, DO_NOT_UPGRADE, UPGRADE }

    public record HttpSettings(
            Integer http1MaxPendingRequests,
            Integer http2MaxRequests,
            Integer maxRequestsPerConnection,
            Integer maxRetries,
            Duration idleTimeout,
            @Unsupported("the HTTP client negotiates its protocol itself") H2UpgradePolicy h2UpgradePolicy,
            @Unsupported("the HTTP client negotiates its protocol itself") Boolean useClientProtocol,
            @Unsupported("the HTTP client sets its own stream limits") Integer maxConcurrentStreams) {
    }

    public record OutlierDetection(
            @Unsupported("local-origin errors are counted with the rest") Boolean splitExternalLocalOriginErrors,
            @Unsupported("local-origin errors are counted with the rest") Integer consecutiveLocalOriginFailures,
            Integer consecutiveGatewayErrors,
            Integer consecutive5xxErrors,
            Duration interval,
            Duration baseEjectionTime,
            Integer maxEjectionPercent,
            Integer minHealthPercent,
            Integer consecutiveErrors) {
    }

    public enum TlsMode { DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL }

    public record ClientTlsSettings(
            TlsMode mode,
            String clientCertificate,
            String privateKey,
            String caCertificates,
            @Unsupported("Kubernetes secrets are not read; mount them and use the file fields") String credentialName,
            List<String> subjectAltNames,
            String sni,
            Boolean insecureSkipVerify,
            String caCrl) {
    }

    public record TunnelSettings(String protocol, String targetHost, Integer targetPort) {
    }

    public enum ProxyProtocolVersion { V1, V2 }

    public record ProxyProtocol(ProxyProtocolVersion version) {
    }

    public record RetryBudget(Double percent, Integer minRetryConcurrency, Duration budgetInterval) {
    }
}

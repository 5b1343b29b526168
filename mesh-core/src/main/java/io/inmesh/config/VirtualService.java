package io.inmesh.config;

import io.inmesh.config.internal.bind.Alias;
import io.inmesh.config.internal.bind.Unsupported;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Istio's VirtualService ({@code networking.istio.io}): how requests to a host are routed. */
public record VirtualService(String apiVersion, ObjectMeta metadata, Spec spec) implements MeshResource {

    public record Spec(
            List<String> hosts,
            List<String> gateways,
            List<HttpRoute> http,
            @Unsupported("InMesh routes HTTP in-process; TLS passthrough routes need a proxy") List<TlsRoute> tls,
            @Unsupported("InMesh routes HTTP in-process; raw TCP routes need a proxy") List<TcpRoute> tcp,
            @Unsupported("every rule is visible to the whole process") List<String> exportTo) {
    }

    public record HttpRoute(
            String name,
            List<HttpMatchRequest> match,
            List<HttpRouteDestination> route,
            HttpRedirect redirect,
            HttpDirectResponse directResponse,
            Delegate delegate,
            HttpRewrite rewrite,
            Duration timeout,
            HttpRetry retries,
            HttpFaultInjection fault,
            Destination mirror,
            List<HttpMirrorPolicy> mirrors,
            Percent mirrorPercentage,
            @Alias("mirror_percent") Integer mirrorPercent,
            CorsPolicy corsPolicy,
            Headers headers) {
    }

    public record HttpMatchRequest(
            String name,
            StringMatch uri,
            StringMatch scheme,
            StringMatch method,
            StringMatch authority,
            Map<String, StringMatch> headers,
            Integer port,
            Map<String, String> sourceLabels,
            List<String> gateways,
            Map<String, StringMatch> queryParams,
            Boolean ignoreUriCase,
            Map<String, StringMatch> withoutHeaders,
            String sourceNamespace,
            @Unsupported("InMesh metrics carry no per-match stat prefix") String statPrefix) {
    }

    public record HttpRouteDestination(Destination destination, Integer weight, Headers headers) {
    }

    public record Destination(String host, String subset, PortSelector port) {
    }

    public record Headers(HeaderOperations request, HeaderOperations response) {
    }

    public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
    }

    public enum RedirectPortSelection { FROM_PROTOCOL_DEFAULT, FROM_REQUEST_PORT }

    public record HttpRedirect(String uri, String authority, Integer port, RedirectPortSelection derivePort,
                               String scheme, Integer redirectCode) {
    }

    public record HttpDirectResponse(Integer status, HttpBody body) {
    }

    public record HttpBody(String string, String bytes) {
    }

    public record Delegate(String name, String namespace) {
    }

    public record HttpRewrite(String uri, String authority, RegexRewrite uriRegexRewrite) {
    }

    public record RegexRewrite(String match, String rewrite) {
    }

    public record HttpRetry(
            Integer attempts,
            Duration perTryTimeout,
            String retryOn,
            @Unsupported("there is one locality in a process") Boolean retryRemoteLocalities,
            Boolean retryIgnorePreviousHosts,
            Duration backoff) {
    }

    public record HttpFaultInjection(Delay delay, Abort abort) {
    }

    public record Delay(
            Duration fixedDelay,
            Duration exponentialDelay,
            Percent percentage,
            Integer percent) {
    }

    public record Abort(Integer httpStatus, String grpcStatus,
                        String http2Error,
                        Percent percentage) {
    }

    public record HttpMirrorPolicy(Destination destination, Percent percentage) {
    }

    public enum UnmatchedPreflights { UNSPECIFIED, FORWARD, IGNORE }

    public record CorsPolicy(
            List<StringMatch> allowOrigins,
            List<String> allowOrigin,
            List<String> allowMethods,
            List<String> allowHeaders,
            List<String> exposeHeaders,
            Duration maxAge,
            Boolean allowCredentials,
            UnmatchedPreflights unmatchedPreflights) {
    }

    public record TlsRoute(List<TlsMatchAttributes> match, List<RouteDestination> route) {
    }

    public record TlsMatchAttributes(List<String> sniHosts, List<String> destinationSubnets, Integer port,
                                     Map<String, String> sourceLabels, List<String> gateways,
                                     String sourceNamespace) {
    }

    public record TcpRoute(List<L4MatchAttributes> match, List<RouteDestination> route) {
    }

    public record L4MatchAttributes(List<String> destinationSubnets, Integer port, String sourceSubnet,
                                    Map<String, String> sourceLabels, List<String> gateways,
                                    String sourceNamespace) {
    }

    public record RouteDestination(Destination destination, Integer weight) {
    }
}

package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code mesh explain} through {@link Cli#run}, on YAML written to a temporary directory. */
class ExplainCommandTest {

    /** Istio's bookinfo routing for reviews, in namespace default, with endpoints for each version. */
    static final String BOOKINFO = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: reviews
                    subset: v2
              - route:
                - destination:
                    host: reviews
                    subset: v1
                  weight: 50
                - destination:
                    host: reviews
                    subset: v3
                  weight: 50
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
              - name: v3
                labels:
                  version: v3
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews.default.svc.cluster.local
              ports:
              - number: 9080
                name: http
                protocol: HTTP
              resolution: STATIC
              endpoints:
              - address: 10.0.0.1
                labels: {app: reviews, version: v1}
              - address: 10.0.0.2
                labels: {app: reviews, version: v2}
              - address: 10.0.0.3
                labels: {app: reviews, version: v3}
            """;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Cli cli;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String file(String name, String yaml) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p.toString();
    }

    /** Runs {@code mesh explain --json ARGS}, expects exit 0, and parses stdout. */
    private JsonNode json(String... args) {
        List<String> all = new ArrayList<>(List.of("explain", "--json"));
        all.addAll(List.of(args));
        int code = cli.run(all.toArray(String[]::new));
        assertThat(code).as("exit code; stderr: %s", err()).isZero();
        assertThat(out().lines()).as("one line of JSON").hasSize(1);
        return MAPPER.readTree(out());
    }

    private int usage(String... args) {
        List<String> all = new ArrayList<>(List.of("explain"));
        all.addAll(List.of(args));
        return cli.run(all.toArray(String[]::new));
    }

    @Test
    void weightedRouteJsonHasEveryKeyInOrder() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", config, "GET", "http://reviews:9080/reviews/1");

        assertThat(err()).isEmpty();
        assertThat(root.propertyNames()).containsExactly("host", "virtualService", "status", "route",
                "destinations", "timeoutMs", "retries", "fault", "mirrors", "trafficPolicy", "port", "caller",
                "rewrite", "redirect", "directResponse", "notes", "upstreamPath", "upstreamAuthority");
        assertThat(root.get("host").stringValue()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(root.get("virtualService").stringValue()).isEqualTo("default/reviews");
        assertThat(root.get("status").stringValue()).isEqualTo("ROUTED");
        assertThat(root.get("route").toString()).isEqualTo("{\"index\":1,\"name\":\"http[1]\"}");
        JsonNode dests = root.get("destinations");
        assertThat(dests.size()).isEqualTo(2);
        assertThat(dests.get(0).propertyNames()).startsWith("host", "subset", "port", "weight", "share");
        assertThat(dests.get(0).get("subset").stringValue()).isEqualTo("v1");
        assertThat(dests.get(0).get("port").intValue()).isEqualTo(9080);
        assertThat(dests.get(0).get("weight").intValue()).isEqualTo(50);
        assertThat(dests.get(0).get("share").doubleValue()).isEqualTo(0.5);
        assertThat(dests.get(1).get("subset").stringValue()).isEqualTo("v3");
        assertThat(dests.get(1).get("share").doubleValue()).isEqualTo(0.5);
        assertThat(root.get("timeoutMs").isNull()).isTrue();
        assertThat(root.get("retries").toString()).isEqualTo("{\"attempts\":2,\"perTryTimeoutMs\":null,"
                + "\"retryOn\":[\"connect-failure\",\"refused-stream\",\"unavailable\",\"cancelled\","
                + "\"retriable-status-codes\"],\"retriableStatusCodes\":[],\"retryIgnorePreviousHosts\":true,"
                + "\"backoffMs\":25,\"default\":true}");
        assertThat(root.get("fault").isNull()).isTrue();
        assertThat(root.get("mirrors").size()).isZero();
        assertThat(root.get("trafficPolicy").size()).isEqualTo(2);
        assertThat(root.get("port").intValue()).isEqualTo(9080);
        assertThat(root.get("caller").toString()).isEqualTo("{\"namespace\":\"default\",\"labels\":{}}");
        assertThat(root.get("notes").size()).isZero();
        assertThat(root.get("upstreamPath").stringValue()).as("no rewrite: as requested").isEqualTo("/reviews/1");
        assertThat(root.get("upstreamAuthority").stringValue()).isEqualTo("reviews:9080");
    }

    @Test
    void endpointsAreThoseOfTheSubset() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", config, "GET", "http://reviews:9080/");

        assertThat(root.get("destinations").get(0).get("endpoints").toString()).isEqualTo("[{\"address\":"
                + "\"10.0.0.1\",\"port\":9080,\"labels\":{\"app\":\"reviews\",\"version\":\"v1\"},"
                + "\"serviceAccount\":null,\"weight\":1}]");
        assertThat(root.get("destinations").get(1).get("endpoints").get(0).get("address").stringValue())
                .isEqualTo("10.0.0.3");
    }

    @Test
    void headerSelectsTheRule() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", config, "-H", "End-User:  jason ", "GET", "http://reviews:9080/");

        assertThat(root.get("route").get("index").intValue()).isZero();
        assertThat(root.get("destinations").size()).isEqualTo(1);
        JsonNode only = root.get("destinations").get(0);
        assertThat(only.get("subset").stringValue()).isEqualTo("v2");
        assertThat(only.get("share").doubleValue()).isEqualTo(1.0);
        assertThat(only.get("endpoints").get(0).get("address").stringValue()).isEqualTo("10.0.0.2");
    }

    @Test
    void headerValueMustMatchExactly() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", config, "--header=end-user: Jason", "GET", "http://reviews:9080/");

        assertThat(root.get("route").get("index").intValue()).isEqualTo(1);
    }

    static final String SOURCE_MATCHES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              namespace: shop
            spec:
              hosts: [ratings]
              http:
              - name: from-productpage-v2
                match:
                - sourceLabels: {app: productpage, version: v2}
                route:
                - destination: {host: ratings, subset: v2}
              - name: from-shop
                match:
                - sourceNamespace: shop
                route:
                - destination: {host: ratings, subset: v1}
              - name: others
                route:
                - destination: {host: ratings}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: ratings
              namespace: shop
            spec:
              host: ratings
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    @Test
    void sourceLabelsAndNamespaceSelectTheRule() throws Exception {
        String config = file("ratings.yaml", SOURCE_MATCHES);
        String url = "http://ratings.shop:9080/ratings/0";

        String labelled = json("--config", config, "-n", "shop", "--source-labels", "app=productpage,version=v2",
                "GET", url).get("route").get("name").stringValue();
        out.reset();
        String partly = json("--config", config, "--namespace=shop", "--source-labels", "app=productpage",
                "GET", url).get("route").get("name").stringValue();
        out.reset();
        JsonNode other = json("--config", config, "--source-labels", "app=productpage,version=v1", "GET", url);

        assertThat(labelled).isEqualTo("from-productpage-v2");
        assertThat(partly).isEqualTo("from-shop");
        assertThat(other.get("route").get("name").stringValue()).isEqualTo("others");
        assertThat(other.get("host").stringValue()).isEqualTo("ratings.shop.svc.cluster.local");
        assertThat(other.get("caller").toString()).isEqualTo("{\"namespace\":\"default\",\"labels\":"
                + "{\"app\":\"productpage\",\"version\":\"v1\"}}");
    }

    @Test
    void shortHostIsResolvedInTheCallersNamespace() throws Exception {
        String config = file("ratings.yaml", SOURCE_MATCHES);

        JsonNode inShop = json("--config", config, "-n", "shop", "GET", "http://ratings:9080/");
        out.reset();
        JsonNode inDefault = json("--config", config, "GET", "http://ratings:9080/");

        assertThat(inShop.get("status").stringValue()).isEqualTo("ROUTED");
        assertThat(inDefault.get("host").stringValue()).isEqualTo("ratings.default.svc.cluster.local");
        assertThat(inDefault.get("status").stringValue()).isEqualTo("PASSTHROUGH");
    }

    @Test
    void passthroughGoesToTheHostWithItsDestinationRule() throws Exception {
        String config = file("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: details}
                spec:
                  host: details
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                """);

        JsonNode root = json("--config", config, "GET", "http://details:9080/details/1");

        assertThat(root.get("status").stringValue()).isEqualTo("PASSTHROUGH");
        assertThat(root.get("virtualService").isNull()).isTrue();
        assertThat(root.get("route").isNull()).isTrue();
        JsonNode d = root.get("destinations").get(0);
        assertThat(d.get("host").stringValue()).isEqualTo("details.default.svc.cluster.local");
        assertThat(d.get("subset").isNull()).isTrue();
        assertThat(d.get("share").doubleValue()).isEqualTo(1.0);
        assertThat(d.get("endpoints").isNull()).as("not in the registry: DNS").isTrue();
        JsonNode policy = root.get("trafficPolicy").get(0);
        assertThat(policy.get("destinationRule").stringValue()).isEqualTo("default/details");
        assertThat(policy.get("loadBalancer").get("simple").stringValue()).isEqualTo("ROUND_ROBIN");
        assertThat(root.get("notes").size()).as("the host is known through its DestinationRule").isZero();
    }

    @Test
    void unknownHostGetsANote() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", config, "GET", "http://reveiws:9080/");

        assertThat(root.get("status").stringValue()).isEqualTo("PASSTHROUGH");
        assertThat(root.get("notes").get(0).stringValue())
                .startsWith("reveiws.default.svc.cluster.local is not known to the mesh");
    }

    static final String ACTIONS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web}
            spec:
              hosts: [web.example.com]
              http:
              - match: [{uri: {prefix: /old/}}]
                redirect: {uri: /new/, redirectCode: 308}
              - match: [{uri: {exact: /health}}]
                directResponse: {status: 200, body: {string: ok}}
              - match: [{uri: {prefix: /app/}, method: {exact: POST}}]
                route:
                - destination: {host: app.example.com}
            """;

    @Test
    void redirectHasNoDestinationsAndNoRetries() throws Exception {
        String config = file("web.yaml", ACTIONS);

        JsonNode root = json("--config", config, "GET", "https://web.example.com/old/page");

        assertThat(root.get("status").stringValue()).isEqualTo("REDIRECT");
        assertThat(root.get("port").intValue()).isEqualTo(443);
        assertThat(root.get("route").get("index").intValue()).isZero();
        assertThat(root.get("destinations").size()).isZero();
        assertThat(root.get("retries").isNull()).isTrue();
        assertThat(root.get("redirect").toString()).isEqualTo("{\"redirectCode\":308,\"scheme\":null,"
                + "\"authority\":null,\"port\":null,\"derivePort\":null,\"uri\":\"/new/\","
                + "\"location\":\"https://web.example.com/new/\",\"status\":308}");
        assertThat(root.get("directResponse").isNull()).isTrue();
        assertThat(root.get("upstreamPath").isNull()).as("nothing is sent upstream").isTrue();
        assertThat(root.get("upstreamAuthority").isNull()).isTrue();
    }

    @Test
    void directResponseShowsStatusAndBody() throws Exception {
        String config = file("web.yaml", ACTIONS);

        JsonNode root = json("--config", config, "GET", "http://web.example.com/health");

        assertThat(root.get("status").stringValue()).isEqualTo("DIRECT_RESPONSE");
        assertThat(root.get("directResponse").toString())
                .isEqualTo("{\"status\":200,\"body\":\"ok\",\"bodyBytes\":2}");
        assertThat(root.get("redirect").isNull()).isTrue();
    }

    @Test
    void noRuleMatchedIsNoRoute() throws Exception {
        String config = file("web.yaml", ACTIONS);

        JsonNode root = json("--config", config, "GET", "http://web.example.com/app/x");

        assertThat(root.get("status").stringValue()).isEqualTo("NO_ROUTE");
        assertThat(root.get("virtualService").stringValue()).isEqualTo("default/web");
        assertThat(root.get("route").isNull()).isTrue();
        assertThat(root.get("destinations").size()).isZero();
        assertThat(root.get("trafficPolicy").size()).isZero();
    }

    @Test
    void methodTakesPart() throws Exception {
        String config = file("web.yaml", ACTIONS);

        JsonNode root = json("--config", config, "post", "http://web.example.com/app/x");

        assertThat(root.get("status").stringValue()).isEqualTo("ROUTED");
        assertThat(root.get("destinations").get(0).get("host").stringValue()).isEqualTo("app.example.com");
        assertThat(root.get("destinations").get(0).get("port").intValue()).isEqualTo(80);
    }

    static final String REWRITES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api}
            spec:
              hosts: [api.example.com]
              http:
              - name: prefix
                match: [{uri: {prefix: /api/v1/}}]
                rewrite: {uri: /v2/}
                route:
                - destination: {host: api.example.com}
              - name: regex
                match: [{uri: {prefix: /service/}}]
                rewrite:
                  uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\\\2/instance/\\\\1"}
                route:
                - destination: {host: api.example.com}
              - name: authority
                match: [{uri: {prefix: /internal/}}]
                rewrite: {authority: backend.internal:8443}
                route:
                - destination: {host: api.example.com}
              - name: moved
                match: [{uri: {prefix: /old/}}]
                redirect: {scheme: https, authority: www.example.com, uri: /landing}
              - name: same
                route:
                - destination: {host: api.example.com}
                rewrite: {authority: api.example.com}
            """;

    @Test
    void prefixRewriteReplacesTheMatchedPrefix() throws Exception {
        String config = file("api.yaml", REWRITES);

        JsonNode root = json("--config", config, "GET", "http://api.example.com/api/v1/x");

        assertThat(root.get("route").get("name").stringValue()).isEqualTo("prefix");
        assertThat(root.get("upstreamPath").stringValue()).isEqualTo("/v2/x");
        assertThat(root.get("upstreamAuthority").stringValue()).isEqualTo("api.example.com");
        assertThat(root.get("rewrite").get("uri").stringValue()).as("the rule, still shown").isEqualTo("/v2/");
        assertThat(root.get("redirect").isNull()).isTrue();
    }

    @Test
    void regexRewriteAndTheQueryIsKept() throws Exception {
        String config = file("api.yaml", REWRITES);

        JsonNode root = json("--config", config, "GET", "http://api.example.com/service/foo/v1/api?id=7&x=y");

        assertThat(root.get("route").get("name").stringValue()).isEqualTo("regex");
        assertThat(root.get("upstreamPath").stringValue()).isEqualTo("/v1/api/instance/foo?id=7&x=y");
        assertThat(root.get("upstreamAuthority").stringValue()).isEqualTo("api.example.com");
    }

    @Test
    void authorityRewrite() throws Exception {
        String config = file("api.yaml", REWRITES);

        JsonNode root = json("--config", config, "GET", "http://api.example.com:8080/internal/status");

        assertThat(root.get("route").get("name").stringValue()).isEqualTo("authority");
        assertThat(root.get("upstreamPath").stringValue()).isEqualTo("/internal/status");
        assertThat(root.get("upstreamAuthority").stringValue()).isEqualTo("backend.internal:8443");
    }

    @Test
    void redirectLocationFromSchemeAuthorityAndUri() throws Exception {
        String config = file("api.yaml", REWRITES);

        JsonNode root = json("--config", config, "GET", "http://api.example.com/old/page?q=1");

        assertThat(root.get("status").stringValue()).isEqualTo("REDIRECT");
        JsonNode redirect = root.get("redirect");
        assertThat(redirect.propertyNames()).containsExactly("redirectCode", "scheme", "authority", "port",
                "derivePort", "uri", "location", "status");
        assertThat(redirect.get("location").stringValue()).as("the query kept")
                .isEqualTo("https://www.example.com/landing?q=1");
        assertThat(redirect.get("status").intValue()).isEqualTo(301);
        assertThat(root.get("upstreamPath").isNull()).isTrue();
        assertThat(root.get("upstreamAuthority").isNull()).isTrue();
    }

    @Test
    void textShowsWhatIsSentAfterARewrite() throws Exception {
        String config = file("api.yaml", REWRITES);

        cli.run("explain", "--config", config, "GET", "http://api.example.com/api/v1/x?a=b");
        String prefix = out();
        out.reset();
        cli.run("explain", "--config", config, "GET", "http://api.example.com:8080/internal/status");
        String authority = out();
        out.reset();
        cli.run("explain", "--config", config, "GET", "http://api.example.com/other");
        String unchanged = out();
        out.reset();
        cli.run("explain", "--config", config, "GET", "http://api.example.com/old/page");
        String redirect = out();

        assertThat(prefix).contains("Rewrite:         uri /v2/ (replaces the matched prefix)\n"
                + "Sent as:         authority api.example.com, path /v2/x?a=b\n");
        assertThat(authority).contains("Sent as:         authority backend.internal:8443, path /internal/status\n");
        assertThat(unchanged).as("a rewrite that changes nothing").contains("Rewrite:         authority")
                .doesNotContain("Sent as:");
        assertThat(redirect).contains("Redirect:        301 -> https://www.example.com/landing (rule sets scheme"
                + " https, authority www.example.com, uri /landing)\n").doesNotContain("Sent as:");
    }

    static final String POLICIES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - name: canary
                timeout: 1.5s
                retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "gateway-error,409"}
                fault:
                  delay: {fixedDelay: 2s, percentage: {value: 10}}
                  abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.5}}
                mirror: {host: reviews, subset: v3}
                mirrorPercentage: {value: 25}
                rewrite: {uri: /v2/}
                route:
                - destination: {host: reviews, subset: v1}
                  weight: 1
                - destination: {host: reviews, subset: v2, port: {number: 8080}}
                  weight: 3
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: 100}
                  http: {http1MaxPendingRequests: 10, maxRequestsPerConnection: 1}
                outlierDetection: {consecutive5xxErrors: 7}
              subsets:
              - name: v1
                labels: {version: v1}
              - name: v2
                labels: {version: v2}
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {httpHeaderName: x-user}
                  tls: {mode: SIMPLE, sni: reviews.example}
            """;

    @Test
    void routePoliciesAreShown() throws Exception {
        String config = file("policies.yaml", POLICIES);

        JsonNode root = json("--config", config, "-n", "shop", "GET", "http://reviews/");

        assertThat(root.get("destinations").get(0).get("share").doubleValue()).isEqualTo(0.25);
        assertThat(root.get("destinations").get(0).get("port").intValue()).as("the request's").isEqualTo(80);
        assertThat(root.get("destinations").get(1).get("share").doubleValue()).isEqualTo(0.75);
        assertThat(root.get("destinations").get(1).get("port").intValue()).isEqualTo(8080);
        assertThat(root.get("timeoutMs").longValue()).isEqualTo(1500);
        JsonNode retries = root.get("retries");
        assertThat(retries.get("attempts").intValue()).isEqualTo(3);
        assertThat(retries.get("perTryTimeoutMs").longValue()).isEqualTo(500);
        assertThat(retries.get("retryOn").toString()).isEqualTo("[\"gateway-error\",\"409\"]");
        assertThat(retries.get("retriableStatusCodes").toString()).isEqualTo("[409]");
        assertThat(retries.get("default").booleanValue()).isFalse();
        assertThat(root.get("fault").toString()).isEqualTo("{\"delay\":{\"fixedDelayMs\":2000,\"percentage\":10.0},"
                + "\"abort\":{\"httpStatus\":null,\"grpcStatus\":\"UNAVAILABLE\",\"percentage\":0.5}}");
        assertThat(root.get("mirrors").get(0).propertyNames()).startsWith("host", "subset", "percentage");
        assertThat(root.get("mirrors").get(0).get("percentage").doubleValue()).isEqualTo(25.0);
        assertThat(root.get("mirrors").get(0).get("undefinedSubset").booleanValue()).isTrue();
        assertThat(root.get("rewrite").toString())
                .isEqualTo("{\"uri\":\"/v2/\",\"uriRegexRewrite\":null,\"authority\":null}");
    }

    @Test
    void trafficPolicyIsMergedPerDestinationWithIstioDefaults() throws Exception {
        String config = file("policies.yaml", POLICIES);

        JsonNode root = json("--config", config, "-n", "shop", "GET", "http://reviews/");

        JsonNode v1 = root.get("trafficPolicy").get(0);
        assertThat(v1.propertyNames()).containsExactly("host", "subset", "port", "destinationRule", "subsetLabels",
                "loadBalancer", "connectionPool", "outlierDetection", "tls", "retryBudget");
        assertThat(v1.get("destinationRule").stringValue()).isEqualTo("shop/reviews");
        assertThat(v1.get("subsetLabels").toString()).isEqualTo("{\"version\":\"v1\"}");
        assertThat(v1.get("loadBalancer").toString()).isEqualTo("{\"simple\":\"LEAST_REQUEST\",\"consistentHash\":null}");
        assertThat(v1.get("connectionPool").toString()).isEqualTo("{\"tcp\":{\"maxConnections\":100,"
                + "\"connectTimeoutMs\":10000,\"idleTimeoutMs\":null,\"maxConnectionDurationMs\":null},"
                + "\"http\":{\"http1MaxPendingRequests\":10,\"http2MaxRequests\":null,\"maxRequestsPerConnection\":1,"
                + "\"maxRetries\":null,\"idleTimeoutMs\":null}}");
        assertThat(v1.get("outlierDetection").toString()).isEqualTo("{\"consecutive5xxErrors\":7,"
                + "\"consecutiveGatewayErrors\":null,\"intervalMs\":10000,\"baseEjectionTimeMs\":30000,"
                + "\"maxEjectionPercent\":10,\"minHealthPercent\":0}");
        assertThat(v1.get("tls").isNull()).isTrue();
        assertThat(v1.get("retryBudget").isNull()).isTrue();

        JsonNode v2 = root.get("trafficPolicy").get(1);
        assertThat(v2.get("port").intValue()).isEqualTo(8080);
        assertThat(v2.get("loadBalancer").get("simple").isNull()).isTrue();
        assertThat(v2.get("loadBalancer").get("consistentHash").get("httpHeaderName").stringValue())
                .isEqualTo("x-user");
        assertThat(v2.get("loadBalancer").get("consistentHash").get("ringHash").toString())
                .isEqualTo("{\"minimumRingSize\":1024}");
        assertThat(v2.get("tls").get("mode").stringValue()).isEqualTo("SIMPLE");
        assertThat(v2.get("tls").get("sni").stringValue()).isEqualTo("reviews.example");
        assertThat(v2.get("connectionPool").get("tcp").get("maxConnections").intValue())
                .as("inherited from the rule").isEqualTo(100);
    }

    @Test
    void undefinedSubsetIsNoted() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO.replace("subset: v2", "subset: v4"));

        int code = cli.run("explain", "--json", "--config", config, "-H", "end-user: jason", "GET",
                "http://reviews:9080/");

        assertThat(code).isZero();
        assertThat(err()).as("core's warning").contains("subset \"v4\"");
        JsonNode root = MAPPER.readTree(out());
        JsonNode d = root.get("destinations").get(0);
        assertThat(d.get("undefinedSubset").booleanValue()).isTrue();
        assertThat(d.get("endpoints").size()).isZero();
        JsonNode policy = root.get("trafficPolicy").get(0);
        assertThat(policy.get("destinationRule").stringValue()).isEqualTo("default/reviews");
        assertThat(policy.get("loadBalancer").isNull()).isTrue();
        assertThat(root.get("notes").get(0).stringValue()).isEqualTo("undefined subset: subset v4 of"
                + " reviews.default.svc.cluster.local is not defined in DestinationRule default/reviews; requests"
                + " routed to it fail with 503 (response flag NC: no cluster)");
    }

    @Test
    void subsetWithoutEndpointsIsNoted() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO.replace("labels: {app: reviews, version: v2}",
                "labels: {app: reviews, version: v9}"));

        int code = cli.run("explain", "--json", "--config", config, "-H", "end-user: jason", "GET",
                "http://reviews:9080/");

        assertThat(code).isZero();
        JsonNode root = MAPPER.readTree(out());
        assertThat(root.get("destinations").get(0).get("endpoints").size()).isZero();
        assertThat(root.get("notes").get(0).stringValue()).isEqualTo("no endpoint of"
                + " reviews.default.svc.cluster.local port 9080 has the labels of subset v2 (version=v2): requests"
                + " sent there fail with 503 (response flag UH: no healthy upstream)");
    }

    @Test
    void textIsAlignedAndShort() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);

        int code = cli.run("explain", "--config", config, "--source-labels", "app=productpage", "GET",
                "http://reviews:9080/reviews/1");

        assertThat(code).isZero();
        assertThat(err()).isEmpty();
        assertThat(out()).isEqualTo("""
                Request:         GET http://reviews:9080/reviews/1
                Caller:          namespace default, labels app=productpage
                Host:            reviews.default.svc.cluster.local, port 9080
                VirtualService:  default/reviews
                Status:          ROUTED
                Route:           http[1]
                Destinations:
                  reviews.default.svc.cluster.local:9080 subset v1, weight 50, share 50%
                    DestinationRule:    default/reviews, subset v1 (version=v1)
                    Load balancer:      LEAST_REQUEST (default)
                    Connection pool:    unlimited, connect timeout 10s (default)
                    Outlier detection:  none (default)
                    TLS:                auto mTLS (default)
                    Endpoints:          10.0.0.1:9080  app=reviews,version=v1
                  reviews.default.svc.cluster.local:9080 subset v3, weight 50, share 50%
                    DestinationRule:    default/reviews, subset v3 (version=v3)
                    Load balancer:      LEAST_REQUEST (default)
                    Connection pool:    unlimited, connect timeout 10s (default)
                    Outlier detection:  none (default)
                    TLS:                auto mTLS (default)
                    Endpoints:          10.0.0.3:9080  app=reviews,version=v3
                Timeout:         none
                Retries:         2 retries on connect-failure,refused-stream,unavailable,cancelled,\
                retriable-status-codes (Istio's default)
                Fault:           none
                Mirrors:         none
                """);
    }

    @Test
    void textShowsRoutePolicies() throws Exception {
        String config = file("policies.yaml", POLICIES);

        int code = cli.run("explain", "--config", config, "-n", "shop", "GET", "http://reviews/");

        assertThat(code).isZero();
        assertThat(out()).contains(
                "Route:           canary (http[0])\n",
                "  reviews.shop.svc.cluster.local:80 subset v1, weight 1, share 25%\n",
                "    Connection pool:    max 100 connections, 10 pending requests, 1 request per connection,"
                        + " connect timeout 10s\n",
                "    Outlier detection:  eject after 7 consecutive 5xx, interval 10s, base ejection 30s,"
                        + " max ejection 10%\n",
                "    Load balancer:      consistent hash on header x-user (ring hash, minimum ring size 1024)\n",
                "    TLS:                SIMPLE, SNI reviews.example\n",
                "Rewrite:         uri /v2/ (replaces the matched prefix)\n",
                "Timeout:         1.5s\n",
                "Retries:         3 retries on gateway-error,409, per try timeout 500ms\n",
                "Fault:           delay 2s for 10% of requests; abort with gRPC UNAVAILABLE for 0.5% of requests\n",
                "Mirrors:\n  reviews.shop.svc.cluster.local:80 subset v3, 25% of requests (undefined subset: see Notes)\n",
                "Notes:\n  - subset v1 of reviews.shop.svc.cluster.local:80 cannot be selected: no endpoint registry"
                        + " knows the host's endpoints",
                "  - undefined subset: subset v3 of reviews.shop.svc.cluster.local");
    }

    @Test
    void textForOtherStatuses() throws Exception {
        String config = file("web.yaml", ACTIONS);

        cli.run("explain", "--config", config, "GET", "http://web.example.com/old/x");
        String redirect = out();
        out.reset();
        cli.run("explain", "--config", config, "GET", "http://web.example.com/health");
        String direct = out();
        out.reset();
        cli.run("explain", "--config", config, "GET", "http://web.example.com/nothing");
        String noRoute = out();

        assertThat(redirect).contains("Status:          REDIRECT (answered by the mesh with a redirect;",
                "Redirect:        308 -> http://web.example.com/new/ (rule sets uri /new/)\n")
                .doesNotContain("Retries:", "Sent as:");
        assertThat(direct).endsWith("Response:        200, body \"ok\" (2 bytes)\n").doesNotContain("Sent as:");
        assertThat(noRoute).endsWith("Status:          NO_ROUTE (no rule matched: the request fails with 404,"
                + " response flag NR)\n");
    }

    @Test
    void invalidConfigPrintsDiagnosticsAsValidateDoesAndExitsOne() throws Exception {
        String config = file("bad.yaml", BOOKINFO.replace("weight: 50", "weight: -5"));

        int code = cli.run("explain", "--config", config, "GET", "http://reviews:9080/");

        assertThat(code).isEqualTo(ExitCode.INVALID);
        assertThat(out().lines()).isNotEmpty().allMatch(l -> l.startsWith(config + ":"))
                .anyMatch(l -> l.contains(": error: VirtualService default/reviews: spec.http[1].route[0].weight:"));
        assertThat(err()).startsWith("2 errors, 0 warnings in 1 file\n")
                .endsWith("mesh explain: the configuration has errors; nothing to explain until they are fixed\n");
    }

    @Test
    void invalidConfigWithJsonPrintsValidatesObject() throws Exception {
        String config = file("bad.yaml", BOOKINFO.replace("weight: 50", "weight: -5"));

        int code = cli.run("explain", "--config", config, "--json", "GET", "http://reviews:9080/");

        assertThat(code).isEqualTo(ExitCode.INVALID);
        JsonNode root = MAPPER.readTree(out());
        assertThat(root.propertyNames()).containsExactly("valid", "diagnostics");
        assertThat(root.get("valid").booleanValue()).isFalse();
        assertThat(root.get("diagnostics").get(0).get("field").stringValue()).isEqualTo("spec.http[1].route[0].weight");
    }

    @Test
    void configMayBeSeveralFilesAndDirectories() throws Exception {
        Files.createDirectories(dir.resolve("conf/sub"));
        Files.writeString(dir.resolve("conf/sub/ratings.yaml"), SOURCE_MATCHES);
        String bookinfo = file("bookinfo.yaml", BOOKINFO);

        JsonNode root = json("--config", dir.resolve("conf").toString(), "--config", bookinfo, "-n", "shop",
                "GET", "http://ratings:9080/");

        assertThat(root.get("virtualService").stringValue()).isEqualTo("shop/ratings");
    }

    @Test
    void warningsGoToStderr() throws Exception {
        String config = file("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: details}
                spec:
                  host: details
                  trafficPolicy:
                    loadBalancer: {simple: LEAST_CONN}
                """);

        int code = cli.run("explain", "--config", config, "GET", "http://details/");

        assertThat(code).isZero();
        assertThat(err()).contains(": warning: DestinationRule default/details:", "LEAST_CONN is deprecated");
        assertThat(out()).contains("Load balancer:      LEAST_REQUEST (LEAST_CONN is its deprecated alias)\n");
    }

    @Test
    void missingConfigPathIsAnIoProblem() {
        int code = usage("--config", dir.resolve("nope.yaml").toString(), "GET", "http://x/");

        assertThat(code).isEqualTo(ExitCode.USAGE);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("mesh: cannot read " + dir.resolve("nope.yaml") + ": no such file or directory\n");
    }

    @Test
    void usageErrorsAreOneLineNamingTheArgument() throws Exception {
        String config = file("bookinfo.yaml", BOOKINFO);
        String[][] cases = {
            {"bad URL 'reviews:9080/': scheme 'reviews' is not http or https", "GET", "reviews:9080/"},
            {"bad URL 'http:///x': no host (expected a name such as reviews, reviews.shop or an IP address)",
                "GET", "http:///x"},
            {"bad header 'end-user jason' for -H: expected 'Name: value' with a colon", "-H", "end-user jason",
                "GET", "http://reviews/"},
            {"bad label pair 'app' in --source-labels 'app,v=1': expected key=value", "--source-labels", "app,v=1",
                "GET", "http://reviews/"},
            {"unknown option '--jsn'", "--jsn", "GET", "http://reviews/"},
            {"missing METHOD and URL (as in 'GET http://reviews:9080/')"},
            {"missing METHOD before URL 'http://reviews/' (as in 'GET http://reviews/')", "http://reviews/"},
            {"missing URL after METHOD 'GET' (as in 'GET http://reviews:9080/')", "GET"},
        };
        for (String[] c : cases) {
            out.reset();
            err.reset();
            List<String> args = new ArrayList<>(List.of("--config", config));
            args.addAll(List.of(c).subList(1, c.length));

            int code = usage(args.toArray(String[]::new));

            assertThat(code).as("%s", args).isEqualTo(ExitCode.USAGE);
            assertThat(out()).isEmpty();
            assertThat(err()).as("%s", args).isEqualTo("mesh explain: " + c[0] + "\n"
                    + "Run 'mesh explain --help' for usage.\n");
        }
    }

    @Test
    void noConfigIsAUsageError() {
        assertThat(usage("GET", "http://reviews/")).isEqualTo(ExitCode.USAGE);
        assertThat(err()).startsWith("mesh explain: no --config given");
    }

    @Test
    void helpIsOnStdout() {
        assertThat(cli.run("explain", "--help")).isZero();
        assertThat(cli.run("help", "explain")).isZero();
        assertThat(out()).startsWith("Usage: mesh explain --config PATH").contains("\"trafficPolicy\"", "Exit codes:");
        assertThat(err()).isEmpty();
    }
}

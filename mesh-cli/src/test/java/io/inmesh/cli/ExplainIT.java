package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code mesh explain}, run as a real process on the shaded jar, over a bookinfo-like configuration. */
class ExplainIT {

    /** Istio's bookinfo routing (reviews by user, a delay on ratings for jason) with endpoints from ServiceEntries. */
    static final String BOOKINFO = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: bookinfo
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
                  weight: 90
                - destination:
                    host: reviews
                    subset: v3
                  weight: 10
                retries:
                  attempts: 3
                  perTryTimeout: 2s
                  retryOn: gateway-error,connect-failure
                timeout: 10s
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
              namespace: bookinfo
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer:
                  simple: ROUND_ROBIN
                outlierDetection:
                  consecutive5xxErrors: 3
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
              namespace: bookinfo
            spec:
              hosts:
              - reviews.bookinfo.svc.cluster.local
              ports:
              - number: 9080
                name: http
                protocol: HTTP
              resolution: STATIC
              endpoints:
              - address: 10.1.0.1
                labels: {app: reviews, version: v1}
              - address: 10.1.0.2
                labels: {app: reviews, version: v2}
              - address: 10.1.0.3
                labels: {app: reviews, version: v3}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              namespace: bookinfo
            spec:
              hosts:
              - ratings
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                fault:
                  delay:
                    fixedDelay: 7s
                    percentage:
                      value: 100
                route:
                - destination:
                    host: ratings
                    subset: v1
              - route:
                - destination:
                    host: ratings
                    subset: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: ratings
              namespace: bookinfo
            spec:
              host: ratings
              subsets:
              - name: v1
                labels:
                  version: v1
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: productpage-v1
              namespace: bookinfo
            """;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Path config() throws Exception {
        Files.createDirectories(dir.resolve("bookinfo"));
        Files.writeString(dir.resolve("bookinfo/routing.yaml"), BOOKINFO);
        return dir.resolve("bookinfo");
    }

    @Test
    void jsonExplainsTheWeightedRouteWithPolicyAndEndpoints() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "explain", "--config", "bookinfo", "--namespace", "bookinfo",
                "--source-labels", "app=productpage,version=v1", "--json", "GET", "http://reviews:9080/reviews/0");

        assertThat(run.exitCode()).as("%s", run).isZero();
        run.assertNoStackTrace();
        assertThat(run.stderr()).as("no log lines, no warnings").isEmpty();
        assertThat(run.stdoutLines()).hasSize(1);
        JsonNode root = MAPPER.readTree(run.stdout());
        assertThat(root.propertyNames()).startsWith("host", "virtualService", "status", "route", "destinations",
                "timeoutMs", "retries", "fault", "mirrors", "trafficPolicy");
        assertThat(root.get("host").stringValue()).isEqualTo("reviews.bookinfo.svc.cluster.local");
        assertThat(root.get("virtualService").stringValue()).isEqualTo("bookinfo/reviews");
        assertThat(root.get("status").stringValue()).isEqualTo("ROUTED");
        assertThat(root.get("route").get("index").intValue()).isEqualTo(1);
        JsonNode v1 = root.get("destinations").get(0);
        assertThat(v1.get("subset").stringValue()).isEqualTo("v1");
        assertThat(v1.get("weight").intValue()).isEqualTo(90);
        assertThat(v1.get("share").doubleValue()).isEqualTo(0.9);
        assertThat(v1.get("endpoints").size()).isEqualTo(1);
        assertThat(v1.get("endpoints").get(0).get("address").stringValue()).isEqualTo("10.1.0.1");
        assertThat(root.get("destinations").get(1).get("share").doubleValue()).isEqualTo(0.1);
        assertThat(root.get("timeoutMs").longValue()).isEqualTo(10_000);
        assertThat(root.get("retries").get("attempts").intValue()).isEqualTo(3);
        assertThat(root.get("retries").get("perTryTimeoutMs").longValue()).isEqualTo(2_000);
        assertThat(root.get("retries").get("retryOn").toString()).isEqualTo("[\"gateway-error\",\"connect-failure\"]");
        assertThat(root.get("fault").isNull()).isTrue();
        assertThat(root.get("mirrors").size()).isZero();
        JsonNode policy = root.get("trafficPolicy").get(0);
        assertThat(policy.get("destinationRule").stringValue()).isEqualTo("bookinfo/reviews");
        assertThat(policy.get("loadBalancer").get("simple").stringValue()).isEqualTo("ROUND_ROBIN");
        assertThat(policy.get("outlierDetection").get("consecutive5xxErrors").intValue()).isEqualTo(3);
        assertThat(policy.get("connectionPool").get("tcp").get("connectTimeoutMs").longValue()).isEqualTo(10_000);
        assertThat(root.propertyNames()).endsWith("notes", "upstreamPath", "upstreamAuthority");
        assertThat(root.get("upstreamPath").stringValue()).isEqualTo("/reviews/0");
        assertThat(root.get("upstreamAuthority").stringValue()).isEqualTo("reviews:9080");
    }

    @Test
    void jsonShowsTheFaultForJason() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "explain", "--json", "--config", "bookinfo/routing.yaml", "-n",
                "bookinfo", "-H", "end-user: jason", "GET", "http://ratings:9080/ratings/0");

        assertThat(run.exitCode()).as("%s", run).isZero();
        JsonNode root = MAPPER.readTree(run.stdout());
        assertThat(root.get("route").get("index").intValue()).isZero();
        assertThat(root.get("fault").toString()).isEqualTo("{\"delay\":{\"fixedDelayMs\":7000,\"percentage\":100.0},"
                + "\"abort\":null}");
        assertThat(root.get("destinations").get(0).get("endpoints").isNull()).as("ratings: DNS").isTrue();
    }

    @Test
    void textGoesToStdout() throws Exception {
        config();

        MeshProcess.Run run = MeshProcess.run(dir, "explain", "--config", "bookinfo", "-n", "bookinfo", "-H",
                "end-user: jason", "GET", "http://reviews:9080/");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stderr()).isEmpty();
        assertThat(run.stdoutLines()).contains("Status:          ROUTED",
                "  reviews.bookinfo.svc.cluster.local:9080 subset v2, weight 0, share 100%",
                "    Endpoints:          10.1.0.2:9080  app=reviews,version=v2");
    }

    @Test
    void invalidConfigExitsOneAndBadArgumentsExitTwo() throws Exception {
        config();
        Files.writeString(dir.resolve("bad.yaml"), BOOKINFO.replace("weight: 90", "weight: -90"));

        MeshProcess.Run invalid = MeshProcess.run(dir, "explain", "--config", "bad.yaml", "GET", "http://reviews/");
        MeshProcess.Run badUrl = MeshProcess.run(dir, "explain", "--config", "bookinfo", "GET", "reviews/");

        assertThat(invalid.exitCode()).as("%s", invalid).isEqualTo(1);
        invalid.assertNoStackTrace();
        assertThat(invalid.stdout()).contains("bad.yaml:", ": error: VirtualService bookinfo/reviews:");
        assertThat(badUrl.exitCode()).as("%s", badUrl).isEqualTo(2);
        badUrl.assertNoStackTrace();
        assertThat(badUrl.stdout()).isEmpty();
        assertThat(badUrl.stderrLines()).containsExactly(
                "mesh explain: bad URL 'reviews/': not absolute: give the scheme and host, as in"
                        + " http://reviews:9080/",
                "Run 'mesh explain --help' for usage.");
    }
}

package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.security.SpiffeId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizeOptionsTest {

    private static AuthorizeOptions parse(String... args) throws UsageException {
        return AuthorizeOptions.parse(List.of(args));
    }

    private static void fails(String message, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(UsageException.class).hasMessage(message);
    }

    @Test
    void defaults() throws Exception {
        AuthorizeOptions o = parse("--config", "c.yaml", "get", "/productpage?u=normal");

        assertThat(o.help()).isFalse();
        assertThat(o.json()).isFalse();
        assertThat(o.configs()).containsExactly("c.yaml");
        assertThat(o.namespace()).isEqualTo("default");
        assertThat(o.labels()).isEmpty();
        assertThat(o.port()).isEqualTo(80);
        assertThat(o.identity()).isNull();
        assertThat(o.request().method()).isEqualTo("GET");
        assertThat(o.request().path()).isEqualTo("/productpage");
        assertThat(o.request().query()).isEqualTo("u=normal");
        assertThat(o.request().host()).isNull();
        assertThat(o.request().peer()).isNull();
        assertThat(o.request().sourceIp()).isEqualTo("127.0.0.1");
        assertThat(o.request().destinationPort()).isEqualTo(80);
    }

    @Test
    void everyOptionInBothForms() throws Exception {
        AuthorizeOptions o = parse("POST", "--config=a", "--config", "b", "-n", "foo", "--workload-labels",
                "app=httpbin,example.com/tier=", "--workload-labels=version=v1", "--port", "8000",
                "--host=httpbin.foo:8000", "--principal", "cluster.local/ns/foo/sa/curl", "--source-ip=2001:db8::7",
                "--request-principal", "https://issuer.example.com/alice", "--claim", "groups=a", "--claim=groups=b",
                "--claim", "realm_access][roles=reader", "--claim", "aud=shop", "--claim", "azp=web", "-H",
                "X-Token: admin", "--header=x-token:guest", "--json", "/post");

        assertThat(o.json()).isTrue();
        assertThat(o.configs()).containsExactly("a", "b");
        assertThat(o.namespace()).isEqualTo("foo");
        assertThat(o.labels()).containsExactly(Map.entry("app", "httpbin"), Map.entry("example.com/tier", ""),
                Map.entry("version", "v1"));
        assertThat(o.port()).isEqualTo(8000);
        assertThat(o.request().host()).isEqualTo("httpbin.foo:8000");
        assertThat(o.request().peer()).isEqualTo(new SpiffeId("cluster.local", "/ns/foo/sa/curl"));
        assertThat(o.request().sourceIp()).isEqualTo("2001:db8::7");
        assertThat(o.request().headers("x-token")).containsExactly("admin", "guest");
        assertThat(o.identity().principal()).isEqualTo("https://issuer.example.com/alice");
        assertThat(o.identity().issuer()).isEqualTo("https://issuer.example.com");
        assertThat(o.identity().subject()).isEqualTo("alice");
        assertThat(o.identity().audiences()).containsExactly("shop");
        assertThat(o.identity().presenter()).isEqualTo("web");
        assertThat(o.identity().claims()).containsEntry("groups", List.of("a", "b"))
                .containsEntry("realm_access", Map.of("roles", "reader"))
                .containsEntry("iss", "https://issuer.example.com").containsEntry("sub", "alice");
    }

    @Test
    void thePortComesFromTheHostUnlessGiven() throws Exception {
        assertThat(parse("--config", "c", "--host", "reviews:9080", "GET", "/").port()).isEqualTo(9080);
        assertThat(parse("--config", "c", "--host", "[::1]:8443", "GET", "/").port()).isEqualTo(8443);
        assertThat(parse("--config", "c", "--host", "[::1]", "GET", "/").port()).isEqualTo(80);
        assertThat(parse("--config", "c", "--host", "reviews:9080", "--port", "15006", "GET", "/").port())
                .isEqualTo(15006);
        assertThat(parse("--config", "c", "--principal", "spiffe://td/ns/a/sa/b", "GET", "/").request().peer()
                .principal()).isEqualTo("td/ns/a/sa/b");
    }

    @Test
    void pathsAreTakenAsSentForTheNormaliser() throws Exception {
        assertThat(parse("--config", "c", "GET", "/public/../%61dmin").request().path())
                .isEqualTo("/public/../%61dmin");
        assertThat(parse("--config", "c", "GET", "\\admin").request().path()).isEqualTo("\\admin");
        fails("bad PATH 'admin': expected a request path starting with '/', as sent (percent-encoded), such as"
                + " /api/v1/items?page=2", "--config", "c", "GET", "admin");
    }

    @Test
    void helpWinsOverMissingArguments() throws Exception {
        assertThat(parse("--help").help()).isTrue();
        assertThat(parse("GET", "-h").help()).isTrue();
    }

    @Test
    void missingPieces() {
        fails("no --config given: name the configuration with --config PATH (a file or a directory)", "GET", "/");
        fails("missing METHOD and PATH (as in 'GET /productpage')", "--config", "c");
        fails("missing METHOD before PATH '/x' (as in 'GET /x')", "--config", "c", "/x");
        fails("missing PATH after METHOD 'GET' (as in 'GET /productpage')", "--config", "c", "GET");
        fails("unexpected argument 'x': only METHOD and PATH are expected (quote a header value: -H 'Name:"
                + " value')", "--config", "c", "GET", "/", "x");
        fails("--claim needs --request-principal ISSUER/SUBJECT: claims come from a verified JWT, which always has"
                + " an issuer and a subject", "--config", "c", "--claim", "a=b", "GET", "/");
        fails("option '--port' needs a value: a port", "--port");
    }

    @Test
    void badValues() {
        fails("bad port '0': expected 1 to 65535", "--port", "0");
        fails("bad port '+80': expected 1 to 65535", "--port", "+80");
        fails("bad port '99999': expected 1 to 65535", "--config", "c", "--host", "x:99999", "GET", "/");
        fails("bad host 'a b': expected a Host header value such as reviews, reviews.shop.svc.cluster.local:9080"
                + " or [::1]:8080", "--host", "a b");
        fails("bad --source-ip '10.0.0': expected an IPv4 or IPv6 address such as 10.1.2.3 or 2001:db8::7",
                "--source-ip", "10.0.0");
        fails("bad --source-ip 'example.com': expected an IPv4 or IPv6 address such as 10.1.2.3 or 2001:db8::7",
                "--source-ip", "example.com");
        fails("bad --request-principal 'alice': expected ISSUER/SUBJECT, the JWT's iss and sub claims joined by '/',"
                + " as in testing@secure.istio.io/testing@secure.istio.io", "--request-principal", "alice");
        fails("bad --claim 'groups': expected NAME=VALUE, as in groups=admin (repeat a name for a list; nested"
                + " claims as realm_access][roles=reader)", "--claim", "groups");
        fails("bad --claim 'a][=x': expected NAME=VALUE, as in groups=admin (repeat a name for a list; nested"
                + " claims as realm_access][roles=reader)", "--claim", "a][=x");
        fails("option '--port' given twice ('80' and '81')", "--port", "80", "--port", "81");
        fails("bad namespace 'Foo': expected a Kubernetes namespace name (lower-case letters, digits and '-', at"
                + " most 63)", "-n", "Foo");
        fails("bad label pair 'app' in --workload-labels 'app': expected key=value", "--workload-labels", "app");
        fails("bad header 'x' for -H: expected 'Name: value' with a colon", "-H", "x");
        fails("bad METHOD 'G T': expected an HTTP method such as GET or POST", "--config", "c", "G T", "/");
        fails("unknown option '--sni'", "--sni", "x");
    }

    @Test
    void badPrincipalsSayWhatIsExpected() {
        assertThatThrownBy(() -> parse("--principal", "cluster.local")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("bad --principal 'cluster.local': expected"
                        + " TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT, as in cluster.local/ns/default/sa/sleep (");
    }
}

package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplainOptionsTest {

    private static ExplainOptions parse(String... args) throws UsageException {
        return ExplainOptions.parse(List.of(args));
    }

    private static void fails(String message, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(UsageException.class).hasMessage(message);
    }

    @Test
    void defaults() throws Exception {
        ExplainOptions o = parse("--config", "c.yaml", "GET", "http://reviews:9080/x?y=1");

        assertThat(o.help()).isFalse();
        assertThat(o.json()).isFalse();
        assertThat(o.configs()).containsExactly("c.yaml");
        assertThat(o.namespace()).isEqualTo("default");
        assertThat(o.labels()).isEmpty();
        assertThat(o.headers()).isEmpty();
        assertThat(o.method()).isEqualTo("GET");
        assertThat(o.url()).isEqualTo("http://reviews:9080/x?y=1");
        assertThat(o.request().host()).isEqualTo("reviews");
        assertThat(o.request().port()).isEqualTo(9080);
        assertThat(o.request().path()).isEqualTo("/x");
    }

    @Test
    void everyOptionInBothForms() throws Exception {
        ExplainOptions o = parse("GET", "--config=a", "--config", "b", "-n", "shop", "--source-labels",
                "app=productpage,example.com/tier=", "--source-labels=version=v1", "-H", "X-A: 1", "--header=x-b:2",
                "--json", "https://reviews/");

        assertThat(o.configs()).containsExactly("a", "b");
        assertThat(o.namespace()).isEqualTo("shop");
        assertThat(o.labels()).containsExactly(Map.entry("app", "productpage"), Map.entry("example.com/tier", ""),
                Map.entry("version", "v1"));
        assertThat(o.headers()).containsExactly(Map.entry("X-A", "1"), Map.entry("x-b", "2"));
        assertThat(o.request().header("x-a")).isEqualTo("1");
        assertThat(o.request().port()).isEqualTo(443);
        assertThat(o.json()).isTrue();
    }

    @Test
    void methodIsUpperCased() throws Exception {
        assertThat(parse("--config", "c", "post", "http://x/").method()).isEqualTo("POST");
    }

    @Test
    void headerValuesKeepInnerSpacesAndTheFirstOfARepeatedNameCounts() throws Exception {
        ExplainOptions o = parse("--config", "c", "-H", "Cookie:  a=1; b=2 ", "-H", "cookie: c=3", "GET",
                "http://x/");

        assertThat(o.request().header("cookie")).isEqualTo("a=1; b=2");
        assertThat(o.request().cookie("b")).isEqualTo("2");
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        ExplainOptions o = parse("--config", "c", "--", "GET", "http://x/");

        assertThat(o.method()).isEqualTo("GET");
        ExplainOptions dashes = parse("--config", "c", "--", "--json", "http://x/");
        assertThat(dashes.json()).isFalse();
        assertThat(dashes.method()).isEqualTo("--JSON");
    }

    @Test
    void helpWinsOverMissingArguments() throws Exception {
        assertThat(parse("--help").help()).isTrue();
        assertThat(parse("GET", "-h").help()).isTrue();
    }

    @Test
    void badUrls() {
        fails("bad URL 'http://x:0/': port 0 is outside 1..65535", "--config", "c", "GET", "http://x:0/");
        fails("bad URL 'ftp://x/': scheme 'ftp' is not http or https", "--config", "c", "GET", "ftp://x/");
        fails("bad URL '/reviews': not absolute: give the scheme and host, as in http://reviews:9080/",
                "--config", "c", "GET", "/reviews");
        fails("bad URL 'http://x/a b': illegal character in path at index 10", "--config", "c", "GET",
                "http://x/a b");
        fails("bad URL 'http://x/?q=%zz': malformed escape pair at index 12", "--config", "c", "GET",
                "http://x/?q=%zz");
    }

    @Test
    void badHeaders() {
        fails("bad header 'x' for -H: expected 'Name: value' with a colon", "-H", "x");
        fails("bad header ': v' for -H: the name before ':' is empty", "-H", ": v");
        fails("bad header 'a b: v' for -H: 'a b' is not a header name", "-H", "a b: v");
        fails("option '-H' needs a value: 'Name: value'", "--config", "c", "-H");
    }

    @Test
    void badLabels() {
        fails("bad label pair '' in --source-labels 'app=a,': expected key=value", "--source-labels", "app=a,");
        fails("bad label pair '=v' in --source-labels: '' is not a label key (such as app or example.com/tier)",
                "--source-labels", "=v");
        fails("bad label pair 'app=a b' in --source-labels: 'a b' is not a label value (at most 63 letters, digits,"
                + " '-', '_' and '.', alphanumeric at both ends)", "--source-labels", "app=a b");
        fails("label 'app' given twice, as 'a' and 'b'", "--source-labels", "app=a", "--source-labels", "app=b");
    }

    @Test
    void badNamespace() {
        fails("bad namespace 'Shop': expected a Kubernetes namespace name (lower-case letters, digits and '-', at"
                + " most 63)", "-n", "Shop");
        fails("namespace given twice ('a' and 'b'): the caller is in one namespace", "-n", "a", "--namespace", "b");
    }

    @Test
    void optionsWithoutValuesRefuseOne() {
        fails("unknown option '--json=yes' (--json takes no value)", "--json=yes");
    }

    @Test
    void tooManyArguments() {
        fails("unexpected argument 'jason': only METHOD and URL are expected (quote a header value: -H 'Name:"
                + " value')", "--config", "c", "GET", "http://x/", "jason");
    }

    @Test
    void controlCharactersAreEscaped() {
        fails("unknown option '--\\u001b[31m'", "--\u001b[31m");
    }
}

package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.security.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaOptionsTest {

    @Test
    void initDefaultsToClusterLocal() throws Exception {
        CaOptions o = CaOptions.parse(List.of("init", "--dir", "ca"));

        assertThat(o.action()).isEqualTo("init");
        assertThat(o.dir()).isEqualTo(Path.of("ca"));
        assertThat(o.trustDomain()).isEqualTo("cluster.local");
        assertThat(o.help()).isFalse();
    }

    @Test
    void issueWithEveryOptionInBothForms() throws Exception {
        CaOptions o = CaOptions.parse(List.of("issue", "--dir=ca", "--spiffe-id",
                "spiffe://example.org/ns/a/sa/b", "--out=certs", "--ttl", "1h30m"));

        assertThat(o.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/ns/a/sa/b"));
        assertThat(o.out()).isEqualTo(Path.of("certs"));
        assertThat(o.ttl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(CaOptions.parse(List.of("issue", "--dir", "ca", "--spiffe-id", "spiffe://td/x", "--out", "o"))
                .ttl()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void durationsAreGoStyle() throws Exception {
        assertThat(CaOptions.duration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(CaOptions.duration("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(CaOptions.duration("3600s")).isEqualTo(Duration.ofHours(1));
        assertThat(CaOptions.duration("1h2m3s4ms")).isEqualTo(Duration.ofMillis(3_723_004));
        assertThatThrownBy(() -> CaOptions.duration("7d")).hasMessageEndingWith("days are written in hours"
                + " (7d = 168h)");
        assertThatThrownBy(() -> CaOptions.duration("24")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> CaOptions.duration("-1h")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> CaOptions.duration("0s")).hasMessageContaining("is zero");
        assertThatThrownBy(() -> CaOptions.duration("99999999999999999999h")).hasMessageContaining("too long");
    }

    @Test
    void helpForms() throws Exception {
        assertThat(CaOptions.parse(List.of("--help")).help()).isTrue();
        assertThat(CaOptions.parse(List.of("issue", "-h")).help()).isTrue();
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> CaOptions.parse(List.of()))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("missing action: 'init' (create a CA) or 'issue'");
        assertThatThrownBy(() -> CaOptions.parse(List.of("sign")))
                .hasMessage("unknown action 'sign': expected 'init' or 'issue'");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init")))
                .hasMessage("no --dir given: name the CA directory with --dir DIR");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dir", "ca", "--ttl", "1h")))
                .hasMessage("option '--ttl' belongs to 'ca issue'");
        assertThatThrownBy(() -> CaOptions.parse(List.of("issue", "--dir", "ca", "--trust-domain", "x")))
                .hasMessage("option '--trust-domain' belongs to 'ca init'");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dir", "ca", "--trust-domain", "Upper.Case")))
                .hasMessageStartingWith("--trust-domain: trust domain \"Upper.Case\" is not valid");
        assertThatThrownBy(() -> CaOptions.parse(List.of("issue", "--dir", "ca", "--out", "o")))
                .hasMessageStartingWith("no --spiffe-id given");
        assertThatThrownBy(() -> CaOptions.parse(List.of("issue", "--dir", "ca", "--spiffe-id", "spiffe://td/x")))
                .hasMessageStartingWith("no --out given");
        assertThatThrownBy(() -> CaOptions.parse(List.of("issue", "--dir", "ca", "--spiffe-id", "http://x/y",
                "--out", "o")))
                .hasMessage("--spiffe-id: not a SPIFFE ID (expected spiffe://trust-domain/path): \"http://x/y\"");
        assertThatThrownBy(() -> CaOptions.parse(List.of("issue", "--dir", "ca", "--spiffe-id", "spiffe://td/x",
                "--out", "./ca")))
                .hasMessageStartingWith("--out is the CA directory");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dir", "a", "--dir", "b")))
                .hasMessage("option '--dir' given twice");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dir")))
                .hasMessage("option '--dir' needs a value: the CA directory");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dir", "ca", "extra")))
                .hasMessage("unexpected argument 'extra': 'ca init' takes options only");
        assertThatThrownBy(() -> CaOptions.parse(List.of("init", "--dri", "ca")))
                .hasMessage("unknown option '--dri' for 'ca init'");
    }
}

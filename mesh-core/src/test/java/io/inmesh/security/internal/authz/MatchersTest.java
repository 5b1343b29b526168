package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The leaf matchers: CIDR blocks, path templates, Istio's string values, Host port stripping. */
class MatchersTest {

    @Test
    void ipv4Blocks() {
        Cidr block = Cidr.parse("10.1.0.0/16");
        assertThat(block.contains("10.1.2.3")).isTrue();
        assertThat(block.contains("10.1.255.255")).isTrue();
        assertThat(block.contains("10.2.0.1")).isFalse();
        assertThat(block.contains("10.1.2")).isFalse();
        assertThat(block.contains("10.1.2.3.4")).isFalse();
        assertThat(block.contains("10.1.2.256")).isFalse();
        assertThat(block.contains("")).isFalse();
        assertThat(block.contains(null)).isFalse();

        assertThat(Cidr.parse("192.168.1.7").contains("192.168.1.7")).isTrue();
        assertThat(Cidr.parse("192.168.1.7").contains("192.168.1.8")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("255.255.255.255")).isTrue();
        assertThat(Cidr.parse("255.255.255.255/32").contains("255.255.255.255")).isTrue();
        assertThat(Cidr.parse("5.6.7.0/24").contains("5.6.7.200")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/9").contains("10.127.0.1")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/9").contains("10.128.0.1")).isFalse();
    }

    @Test
    void ipv6Blocks() {
        Cidr block = Cidr.parse("2001:db8::/32");
        assertThat(block.contains("2001:db8::1")).isTrue();
        assertThat(block.contains("2001:0DB8:ffff::")).isTrue();
        assertThat(block.contains("2001:db9::1")).isFalse();
        assertThat(block.contains("[2001:db8::1]")).isTrue();
        assertThat(block.contains("2001:db8::1%eth0")).isTrue();
        assertThat(block.contains("2001:db8:0:0:0:0:0:1")).isTrue();
        assertThat(block.contains("2001:db8::1::2")).isFalse();
        assertThat(block.contains("2001:db8:::1")).isFalse();
        assertThat(block.contains("10.0.0.1")).as("other family").isFalse();

        assertThat(Cidr.parse("::1").contains("::1")).isTrue();
        assertThat(Cidr.parse("::1").contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(Cidr.parse("::1").contains("::2")).isFalse();
        assertThat(Cidr.parse("::/0").contains("ffff::")).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains("febf::1")).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains("fec0::1")).isFalse();
        assertThat(Cidr.parse("::ffff:0:0/96").contains("::ffff:10.1.2.3")).isTrue();
        assertThat(Cidr.parse("64:ff9b::10.0.0.0/104").contains("64:ff9b::10.1.2.3")).isTrue();
        assertThat(Cidr.parse("64:ff9b::10.0.0.0/104").contains("64:ff9b::11.1.2.3")).isFalse();
    }

    @Test
    void ipv4MappedAddressesCompareAsIpv4() {
        assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:10.1.2.3")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::FFFF:11.1.2.3")).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::1")).isFalse();
    }

    @Test
    void invalidBlocksAreRefusedAtCompileTime() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("10.0.0/8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("2001:db8::/129")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("example.com")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneSegmentTemplate() {
        PathTemplate t = PathTemplate.parse("/orders/{*}/items");
        assertThat(t.matches("/orders/42/items")).isTrue();
        assertThat(t.matches("/orders/a-b.c~_%41!$&'()+,;:@/items")).isTrue();
        assertThat(t.matches("/orders//items")).as("empty segment").isFalse();
        assertThat(t.matches("/orders/4/2/items")).isFalse();
        assertThat(t.matches("/orders/42/items/")).isFalse();
        assertThat(t.matches("/orders/a=b/items")).as("'=' is not in the glob's set").isFalse();
        assertThat(t.matches("/orders/a*b/items")).as("'*' is not in the glob's set").isFalse();
        assertThat(PathTemplate.parse("/{*}").matches("/x")).isTrue();
        assertThat(PathTemplate.parse("/{*}").matches("/")).isFalse();
        assertThat(PathTemplate.parse("/a/{*}/").matches("/a/b/")).isTrue();
        assertThat(PathTemplate.parse("/a/{*}/").matches("/a/b")).isFalse();
    }

    @Test
    void anySegmentsTemplate() {
        PathTemplate t = PathTemplate.parse("/assets/{**}");
        assertThat(t.matches("/assets/")).isTrue();
        assertThat(t.matches("/assets/a")).isTrue();
        assertThat(t.matches("/assets/a/b/c.png")).isTrue();
        assertThat(t.matches("/assets")).as("Envoy: /assets/[pchar/]*").isFalse();
        assertThat(t.matches("/assetsx/a")).isFalse();

        PathTemplate tail = PathTemplate.parse("/a/{**}/b.txt");
        assertThat(tail.matches("/a/x/b.txt")).isTrue();
        assertThat(tail.matches("/a/x/y/b.txt")).isTrue();
        assertThat(tail.matches("/a/b.txt")).isFalse();
        assertThat(tail.matches("/a/x/c.txt")).isFalse();

        PathTemplate mixed = PathTemplate.parse("/{*}/api/{**}");
        assertThat(mixed.matches("/v1/api/users/1")).isTrue();
        assertThat(mixed.matches("/v1/x/users")).isFalse();

        assertThat(PathTemplate.parse("/{**}").matches("/")).isTrue();
        assertThat(PathTemplate.parse("/{**}").matches("/anything/at/all")).isTrue();
        assertThat(PathTemplate.isTemplate("/a/{*}")).isTrue();
        assertThat(PathTemplate.isTemplate("/a/*")).isFalse();
        assertThatThrownBy(() -> PathTemplate.parse("/{**}/{*}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathTemplate.parse("/a{*}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void istioStringValues() {
        assertThat(ValueMatcher.of("/admin", false, false).matches("/admin")).isTrue();
        assertThat(ValueMatcher.of("/admin", false, false).matches("/admin/")).isFalse();
        assertThat(ValueMatcher.of("/admin*", false, false).matches("/admin/x")).isTrue();
        assertThat(ValueMatcher.of("*.png", false, false).matches("/a/b.png")).isTrue();
        assertThat(ValueMatcher.of("*", false, false).matches("")).as(".+ needs a character").isFalse();
        assertThat(ValueMatcher.of("*", false, true).matches("")).as("presence").isTrue();
        assertThat(ValueMatcher.of("*", false, true).matches(null)).isFalse();
        assertThat(ValueMatcher.of("a*b", false, false).matches("a*b")).as("a middle star is literal").isTrue();
        assertThat(ValueMatcher.of("a*b", false, false).matches("axb")).isFalse();
        assertThat(ValueMatcher.of("Example.COM", true, true).matches("example.com")).isTrue();
        assertThat(ValueMatcher.of("*.Example.com", true, true).matches("API.example.COM")).isTrue();
    }

    @Test
    void concatenatedValuesMatchWithoutBuildingThem() {
        String td = "cluster.local";
        String path = "/ns/default/sa/sleep";
        assertThat(ValueMatcher.of("cluster.local/ns/default/sa/sleep", false, false).matchesConcat(td, path)).isTrue();
        assertThat(ValueMatcher.of("cluster.local/ns/default/sa/sleepy", false, false).matchesConcat(td, path))
                .isFalse();
        assertThat(ValueMatcher.of("cluster.local/ns/default/*", false, false).matchesConcat(td, path)).isTrue();
        assertThat(ValueMatcher.of("cluster.*", false, false).matchesConcat(td, path)).isTrue();
        assertThat(ValueMatcher.of("cluster.localx*", false, false).matchesConcat(td, path)).isFalse();
        assertThat(ValueMatcher.of("*/sa/sleep", false, false).matchesConcat(td, path)).isTrue();
        assertThat(ValueMatcher.of("*.local/ns/default/sa/sleep", false, false).matchesConcat(td, path)).isTrue();
        assertThat(ValueMatcher.of("*x.local/ns/default/sa/sleep", false, false).matchesConcat(td, path)).isFalse();
        assertThat(ValueMatcher.of("*", false, false).matchesConcat(td, path)).isTrue();
    }

    @Test
    void hostPortIsFoundForNamesAndBracketedAddresses() {
        assertThat(Cond.portStart("example.com:8080")).isEqualTo(11);
        assertThat(Cond.portStart("example.com")).isEqualTo(11);
        assertThat(Cond.portStart("[::1]:80")).isEqualTo(5);
        assertThat(Cond.portStart("[::1]")).isEqualTo(5);
        assertThat(Cond.portStart("::1")).isEqualTo(3);
        assertThat(Cond.portStart("example.com:x")).isEqualTo(13);
    }
}

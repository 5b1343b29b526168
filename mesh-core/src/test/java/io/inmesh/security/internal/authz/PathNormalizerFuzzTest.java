package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inmesh.security.internal.authz.PathNormalizer.EscapedSlashes;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link PathNormalizer} in each {@link EscapedSlashes} mode.
 *
 * <p>Properties: it never throws; a path it accepts is normal by its own rules: absolute, no query or fragment, only
 * printable ASCII, no backslash, no {@code ;} parameter, no empty ({@code //}), {@code .} or {@code ..} segment,
 * every escape two upper-case hex digits of a byte that is not unreserved (those are decoded), no {@code %00}, no
 * {@code %25} followed by two hex digits, no encoded slash or backslash unless the mode keeps them; and normalising
 * it again gives the same path (idempotent), in every mode that would accept it.
 *
 * <p>Input: the first byte picks the mode ({@code '0'} REJECT, {@code '1'} KEEP, {@code '2'} DECODE: the byte modulo 3),
 * the rest is the raw path in UTF-8. Seeds are therefore readable: {@code 0/public/%2e%2e/admin}.
 */
class PathNormalizerFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void normalize(byte[] input) {
        if (input.length == 0) {
            return;
        }
        EscapedSlashes mode = EscapedSlashes.values()[(input[0] & 0xff) % 3];
        // UTF-8, malformed bytes becoming U+FFFD: the normaliser sees what a server that decodes the request line
        // as UTF-8 hands over (ISO-8859-1 servers give only chars up to 0xFF, a subset as far as rules go)
        String raw = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        PathNormalizer normalizer = PathNormalizer.of(mode);
        PathNormalizer.Result result = normalizer.normalize(raw);
        if (result.rejected()) {
            return;
        }
        String p = result.path();
        assertNormal(p, mode, raw);
        PathNormalizer.Result again = normalizer.normalize(p);
        assertThat(again.rejected()).as("normalised %s of %s is accepted again", p, raw).isFalse();
        assertThat(again.path()).as("normalising %s (from %s) again", p, raw).isEqualTo(p);
        if (p.indexOf('%') < 0) {
            // the fast path: a normal path without escapes comes back as the same String
            assertThat(normalizer.apply(p)).as("a normal path comes back as is").isSameAs(p);
        }
    }

    static void assertNormal(String p, EscapedSlashes mode, String raw) {
        assertThat(p).as("from %s", raw).startsWith("/");
        String[] segments = p.substring(1).split("/", -1);
        for (int s = 0; s < segments.length; s++) {
            String seg = segments[s];
            boolean last = s == segments.length - 1;
            assertThat(seg.isEmpty() && !last).as("empty segment in %s from %s", p, raw).isFalse();
            assertThat(seg).as("dot segment in %s from %s", p, raw).isNotIn(".", "..");
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            assertThat(c > 0x20 && c < 0x7f).as("printable ASCII in %s from %s", p, raw).isTrue();
            assertThat(c).as("in %s from %s", p, raw).isNotIn('\\', ';', '?', '#');
            if (c == '%') {
                assertThat(i + 2).as("complete escape in %s from %s", p, raw).isLessThan(p.length());
                char hi = p.charAt(i + 1);
                char lo = p.charAt(i + 2);
                assertThat(isUpperHex(hi) && isUpperHex(lo)).as("upper-case escape in %s from %s", p, raw).isTrue();
                int b = Character.digit(hi, 16) << 4 | Character.digit(lo, 16);
                assertThat(b).as("escape in %s from %s", p, raw).isNotEqualTo(0);
                assertThat(unreserved(b)).as("encoded unreserved character in %s from %s", p, raw).isFalse();
                if (b == '/' || b == '\\') {
                    assertThat(mode).as("encoded slash in %s from %s", p, raw).isEqualTo(EscapedSlashes.KEEP);
                }
                if (b == '%' && i + 4 < p.length()) {
                    assertThat(isHex(p.charAt(i + 3)) && isHex(p.charAt(i + 4)))
                            .as("double encoding left in %s from %s", p, raw).isFalse();
                }
            }
        }
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static boolean isHex(char c) {
        return isUpperHex(c) || (c >= 'a' && c <= 'f');
    }

    private static boolean unreserved(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '.'
                || b == '_' || b == '~';
    }
}

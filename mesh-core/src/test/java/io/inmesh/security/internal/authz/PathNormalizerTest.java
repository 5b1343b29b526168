package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.internal.authz.PathNormalizer.EscapedSlashes;
import io.inmesh.security.internal.authz.PathNormalizer.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

    private static final PathNormalizer STANDARD = PathNormalizer.standard();

    private static String normal(String raw) {
        PathNormalizer.Result r = STANDARD.normalize(raw);
        assertThat(r.rejection()).as("rejection of %s", raw).isNull();
        return r.path();
    }

    private static Rejection rejected(String raw) {
        PathNormalizer.Result r = STANDARD.normalize(raw);
        assertThat(r.path()).as("path of %s", raw).isNull();
        return r.rejection();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/ /",
            "/admin /admin",
            "/admin/ /admin/",
            "/a/b/c /a/b/c",
            // Istio's own examples ("Authorization Policy Normalization")
            "/public/./data/abc/../xyz /public/data/xyz",
            "/some//data///abc /some/data/abc",
            "/%61%62%63 /abc",
            // dot segments, never above the root
            "/public/../admin /admin",
            "/.. /",
            "/../../admin /admin",
            "/a/.. /",
            "/a/b/.. /a/",
            "/a/. /a/",
            "/./a /a",
            "/a/./ /a/",
            "/... /...",
            "/a/..b /a/..b",
            // merged slashes
            "//admin /admin",
            "///admin// /admin/",
            // unreserved characters decoded, others kept with upper-case hex
            "/%41dmin /Admin",
            "/%2d%2e%5f%7e /-._~",
            "/%2e%2e/admin /admin",
            "/public/%2E%2E/admin /admin",
            "/a%3bb /a%3Bb",
            "/a%20b /a%20b",
            "/caf%c3%a9 /caf%C3%A9",
            "/%e2%82%ac /%E2%82%AC",
            "/%f0%9f%98%80 /%F0%9F%98%80",
            "/files/100%25 /files/100%25",
            "/files/100%25off /files/100%25off",
            "/%25;x/41 /%25/41",
            // backslashes are slashes
            "\\admin /admin",
            "/public\\..\\admin /admin",
            "/a\\\\b /a/b",
            // path parameters dropped, as servlet routing drops them
            "/admin;x /admin",
            "/admin;jsessionid=1/x /admin/x",
            "/..;/admin /admin",
            "/public/..;x=1/admin /admin",
            "/a;b;c/d; /a/d",
            // query and fragment are not part of the path
            "/admin?x=/public /admin",
            "/a/../b?q /b",
            "/admin#frag /admin",
    })
    void normalizes(String raw, String expected) {
        assertThat(normal(raw)).isEqualTo(expected);
    }

    @Test
    void aNormalPathComesBackAsTheSameString() {
        String p = "/api/v1/orders/42";
        assertThat(STANDARD.apply(p)).isSameAs(p);
        String trailing = "/api/";
        assertThat(STANDARD.apply(trailing)).isSameAs(trailing);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/admin%2F.. ENCODED_SLASH",
            "/admin%2fsecret ENCODED_SLASH",
            "/admin%5Csecret ENCODED_SLASH",
            "/%5c..%5cadmin ENCODED_SLASH",
            "/a%00 ENCODED_NUL",
            "/a% INVALID_PERCENT_ENCODING",
            "/a%4 INVALID_PERCENT_ENCODING",
            "/a%zz INVALID_PERCENT_ENCODING",
            "/a%%41 INVALID_PERCENT_ENCODING",
            "/%252e%252e/admin DOUBLE_ENCODING",
            "/%2561dmin DOUBLE_ENCODING",
            "/%25%41dmin DOUBLE_ENCODING",
            "/%25%34%31 DOUBLE_ENCODING",
            "/admin%c0%af.. OVERLONG_UTF8",
            "/%c0%ae%c0%ae/admin OVERLONG_UTF8",
            "/%e0%80%af OVERLONG_UTF8",
            "/%f0%80%80%af OVERLONG_UTF8",
            "/%c1%bf OVERLONG_UTF8",
            "/%80 INVALID_UTF8",
            "/%ff INVALID_UTF8",
            "/%c3 INVALID_UTF8",
            "/%c3x INVALID_UTF8",
            "/%c3%41 INVALID_UTF8",
            "/%ed%a0%80 INVALID_UTF8",
            "/%f4%90%80%80 INVALID_UTF8",
            "admin NOT_ABSOLUTE",
            "* NOT_ABSOLUTE",
            "?x=1 NOT_ABSOLUTE",
    })
    void rejects(String raw, Rejection expected) {
        assertThat(rejected(raw)).isEqualTo(expected);
    }

    @Test
    void rejectsControlSpaceAndNonAsciiCharacters() {
        assertThat(rejected("/a b")).isEqualTo(Rejection.ILLEGAL_CHARACTER);
        assertThat(rejected("/a\tb")).isEqualTo(Rejection.ILLEGAL_CHARACTER);
        assertThat(rejected("/a\u0000")).isEqualTo(Rejection.ILLEGAL_CHARACTER);
        assertThat(rejected("/caf\u00e9")).isEqualTo(Rejection.ILLEGAL_CHARACTER);
        assertThat(rejected("/a\u007f")).isEqualTo(Rejection.ILLEGAL_CHARACTER);
        assertThat(rejected("")).isEqualTo(Rejection.NOT_ABSOLUTE);
    }

    @Test
    void escapedSlashesCanBeKeptAsIstiosBaseDoes() {
        PathNormalizer keep = PathNormalizer.of(EscapedSlashes.KEEP);

        assertThat(keep.normalize("/admin%2f..").path()).isEqualTo("/admin%2F..");
        assertThat(keep.normalize("/a%5cb/../c").path()).isEqualTo("/c");
        assertThat(keep.normalize("/admin%2F").path()).isEqualTo("/admin%2F");
    }

    @Test
    void escapedSlashesCanBeDecodedAsIstiosDecodeAndMergeSlashesDoes() {
        PathNormalizer decode = PathNormalizer.of(EscapedSlashes.DECODE);

        assertThat(decode.normalize("/some%2fdata/%61%62%63").path()).isEqualTo("/some/data/abc"); // Istio's example
        assertThat(decode.normalize("/admin%2F..").path()).isEqualTo("/");
        assertThat(decode.normalize("/public%2F..%2Fadmin").path()).isEqualTo("/admin");
        assertThat(decode.normalize("/a%5C%5Cb").path()).isEqualTo("/a/b");
        assertThat(decode.normalize("/a;x%2Fb").path()).isEqualTo("/a/b");
    }

    @Test
    void rejectionsHaveMessagesWithoutThePath() {
        for (Rejection r : Rejection.values()) {
            assertThat(r.message()).startsWith("the path ");
        }
        assertThat(PathNormalizer.standard().escapedSlashes()).isEqualTo(EscapedSlashes.REJECT);
        assertThat(PathNormalizer.of(EscapedSlashes.REJECT)).isSameAs(PathNormalizer.standard());
    }

    /** Random paths made of tricky pieces: the result is rejected, or canonical and a fixed point. */
    @Test
    void normalisedPathsAreCanonicalAndStable() {
        String[] pieces = {"/", "//", "\\", ".", "..", "%2e", "%2E%2e", "a", "admin", ";", ";x=1", "%61", "%2f",
                "%5c", "%25", "%41", "%c3%a9", "%c0%af", "%3b", "%", "?", "#", "~", "-", "%7E", "%20", "%e2%82%ac",
                "%ff", "%00", "x%2", ":", "@", "=", "*"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(20240917);
        for (EscapedSlashes mode : EscapedSlashes.values()) {
            PathNormalizer n = PathNormalizer.of(mode);
            for (int i = 0; i < 20_000; i++) {
                StringBuilder raw = new StringBuilder("/");
                int count = random.nextInt(1, 10);
                for (int k = 0; k < count; k++) {
                    raw.append(pieces[random.nextInt(pieces.length)]);
                }
                PathNormalizer.Result r = n.normalize(raw.toString());
                if (r.rejected()) {
                    continue;
                }
                String p = r.path();
                assertThat(p).as("from %s", raw).startsWith("/").doesNotContain("//", "\\", ";", "?", "#")
                        .doesNotContain("/./", "/../").doesNotEndWith("/.").doesNotEndWith("/..");
                assertThat(p).as("from %s", raw).doesNotContainIgnoringCase("%2e").doesNotContainIgnoringCase("%61");
                assertThat(n.normalize(p).path()).as("normalising %s again", p).isEqualTo(p);
                if (mode != EscapedSlashes.KEEP) {
                    assertThat(p).doesNotContainIgnoringCase("%2f").doesNotContainIgnoringCase("%5c");
                }
            }
        }
    }
}

package io.inmesh.config.internal.compile;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.StringMatch;
import org.junit.jupiter.api.Test;

class StringMatcherTest {
    @Test
    void literalPrefixesOfRegexes() {
        assertThat(StringMatcher.literalPrefix("/items/[0-9]+/v7")).isEqualTo("/items/");
        assertThat(StringMatcher.literalPrefix("/v[0-9]+/.*")).isEqualTo("/v");
        assertThat(StringMatcher.literalPrefix("abc?d")).isEqualTo("ab");
        assertThat(StringMatcher.literalPrefix("ab*")).isEqualTo("a");
        assertThat(StringMatcher.literalPrefix("ab{2}")).isEqualTo("a");
        assertThat(StringMatcher.literalPrefix("ab+c")).isEqualTo("ab");
        assertThat(StringMatcher.literalPrefix("a|b")).isEmpty();
        assertThat(StringMatcher.literalPrefix("\\.well-known/x")).isEqualTo(".well-known/x");
        assertThat(StringMatcher.literalPrefix("\\d+")).isEmpty();
        assertThat(StringMatcher.literalPrefix("(?i)abc")).isEmpty();
        assertThat(StringMatcher.literalPrefix("^/a")).isEmpty();
        assertThat(StringMatcher.literalPrefix("/exact")).isEqualTo("/exact");
    }

    @Test
    void theRegexPrefilterNeverChangesTheAnswer() {
        String[] regexes = {"/items/[0-9]+/v7", "ab?c", "ab*c", "a+b", "x{2}y", "\\.a.*", "(?i)/API/.*", "/a|/b"};
        String[] values = {"/items/12/v7", "/items/x/v7", "ac", "abc", "abbc", "b", "ab", "aab", "xxy", "xy",
                ".ab", "/api/x", "/API/x", "/a", "/b", "", "/items/"};
        for (String re : regexes) {
            StringMatcher m = StringMatcher.of(new StringMatch(null, null, re), false);
            com.google.re2j.Pattern p = com.google.re2j.Pattern.compile(re);
            for (String v : values) {
                assertThat(m.matches(v)).as("%s on %s", re, v).isEqualTo(p.matches(v));
            }
        }
    }
}

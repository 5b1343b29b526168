package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ValidateOptionsTest {

    @Test
    void pathsAndOptionsMayBeMixed() throws Exception {
        ValidateOptions o = ValidateOptions.parse(List.of("a.yaml", "--json", "dir", "-v"));

        assertThat(o.paths()).containsExactly("a.yaml", "dir");
        assertThat(o.json()).isTrue();
        assertThat(o.verbose()).isTrue();
        assertThat(o.help()).isFalse();
    }

    @Test
    void defaultsAreHumanAndQuiet() throws Exception {
        ValidateOptions o = ValidateOptions.parse(List.of("a.yaml"));

        assertThat(o.json()).isFalse();
        assertThat(o.verbose()).isFalse();
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        ValidateOptions o = ValidateOptions.parse(List.of("--", "--json", "-v"));

        assertThat(o.paths()).containsExactly("--json", "-v");
        assertThat(o.json()).isFalse();
    }

    @Test
    void helpWinsWithoutPaths() throws Exception {
        assertThat(ValidateOptions.parse(List.of("--help")).help()).isTrue();
        assertThat(ValidateOptions.parse(List.of("x.yaml", "-h")).help()).isTrue();
    }

    @Test
    void noPathIsAUsageError() {
        assertThatThrownBy(() -> ValidateOptions.parse(List.of("--json")))
                .isInstanceOf(UsageException.class)
                .hasMessage("no PATH given: name at least one file or directory");
    }

    @Test
    void unknownOptionIsNamed() {
        assertThatThrownBy(() -> ValidateOptions.parse(List.of("--jsn", "a.yaml")))
                .isInstanceOf(UsageException.class)
                .hasMessage("unknown option '--jsn'");
        assertThatThrownBy(() -> ValidateOptions.parse(List.of("--json=true", "a.yaml")))
                .hasMessage("unknown option '--json=true' (options take no value)");
    }

    @Test
    void controlCharactersInAnOptionAreEscaped() {
        assertThatThrownBy(() -> ValidateOptions.parse(List.of("--\u001b[31mred")))
                .hasMessage("unknown option '--\\u001b[31mred'");
    }

    @Test
    void emptyPathIsAUsageError() {
        assertThatThrownBy(() -> ValidateOptions.parse(List.of("")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("empty path");
    }
}

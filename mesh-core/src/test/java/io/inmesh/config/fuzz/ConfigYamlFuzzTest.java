package io.inmesh.config.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.ConfigValidator;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.ValidationReport;
import java.util.List;

/**
 * Fuzzes the config plane from raw file bytes to diagnostics and, for a valid file, to a compiled snapshot: what
 * {@code mesh validate} and the {@link ConfigHolder} do with a file.
 *
 * <p>Properties: reading and validating never throws, whatever the bytes (bad input is diagnostics, never an
 * exception); every diagnostic has a position and a message; the same bytes give the same report; a file the
 * validator accepts is applied by the holder (it compiles without an internal error).
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test over the seeds in
 * {@code src/test/resources/io/inmesh/config/fuzz/ConfigYamlFuzzTestInputs/validateFile/}; {@code mesh-core/fuzz.sh}
 * fuzzes it.
 */
class ConfigYamlFuzzTest {

    /** The fuzzer's input is bounded: the size limits themselves are tested by the YAML reader's own tests. */
    static final int MAX_INPUT = 64 * 1024;

    private static final ConfigValidator VALIDATOR = ConfigValidator.create();

    @FuzzTest(maxDuration = "30s")
    void validateFile(byte[] yaml) {
        if (yaml.length > MAX_INPUT) {
            return;
        }
        List<ConfigFile> files = List.of(new ConfigFile("fuzz.yaml", yaml));
        ValidationReport report = VALIDATOR.validate(files);
        for (Diagnostic d : report.diagnostics()) {
            assertThat(d.message()).as("diagnostic message").isNotBlank();
            assertThat(d.line()).as("line of %s", d).isGreaterThanOrEqualTo(0);
            assertThat(d.column()).as("column of %s", d).isGreaterThanOrEqualTo(0);
            assertThat(d.format()).isNotNull();
        }
        ValidationReport again = VALIDATOR.validate(files);
        assertThat(again.diagnostics()).as("the same bytes, the same report").isEqualTo(report.diagnostics());

        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate update = holder.update(files);
        if (report.valid()) {
            assertThat(update).as("a valid file is applied: %s", update).isInstanceOf(ConfigUpdate.Applied.class);
            assertThat(holder.current().resources()).hasSize(report.resources().size());
            // the holder's own re-check of the same bytes (its cache path) agrees
            assertThat(holder.update(files)).isInstanceOf(ConfigUpdate.Unchanged.class);
        } else {
            assertThat(update).as("an invalid file is rejected").isInstanceOf(ConfigUpdate.Rejected.class);
            ConfigUpdate.Rejected rejected = (ConfigUpdate.Rejected) update;
            assertThat(rejected.rejection().diagnostics()).as("rejected for its diagnostics, not an internal error")
                    .noneMatch(d -> d.message().startsWith("internal error"));
        }
    }
}

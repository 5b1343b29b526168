package io.inmesh.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden YAML: every file under {@code golden/valid} validates without errors; every document under
 * {@code golden/invalid} is validated on its own and must produce exactly the errors its {@code # expect:} lines
 * name (warnings and infos it names must be there too); every file under {@code golden/cross} is validated as one
 * set against the {@code # expect:} lines anywhere in it.
 *
 * <p>An expectation reads {@code # expect: SEVERITY FIELD: TEXT}, where FIELD is the diagnostic's field path (or
 * {@code -} for none) and TEXT a part of its message.
 */
class GoldenConfigTest {

    private static final Pattern EXPECT = Pattern.compile("^#\\s*expect:\\s*(error|warning|info)\\s+(\\S+):\\s*(.+)$");

    record Expectation(Severity severity, String field, String text) {
        boolean matches(Diagnostic d) {
            return d.severity() == severity && ("-".equals(field) ? d.field() == null || d.field().isEmpty()
                    : field.equals(d.field())) && d.message().contains(text);
        }

        @Override
        public String toString() {
            return severity.label() + " " + field + ": " + text;
        }
    }

    record Doc(String name, String text, List<Expectation> expectations) {
    }

    static Path dir(String name) throws URISyntaxException {
        return Path.of(GoldenConfigTest.class.getResource("/golden/" + name).toURI());
    }

    static List<Path> files(String name) throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(dir(name))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static List<Expectation> expectations(String text) {
        List<Expectation> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = EXPECT.matcher(line.strip());
            if (m.matches()) {
                out.add(new Expectation(Severity.valueOf(m.group(1).toUpperCase()), m.group(2), m.group(3).strip()));
            }
        }
        return out;
    }

    static List<Doc> documents(Path file) throws IOException {
        String text = Files.readString(file);
        List<Doc> docs = new ArrayList<>();
        String[] parts = text.split("(?m)^---\\s*$");
        int index = 0;
        for (String part : parts) {
            if (part.strip().isEmpty()) {
                continue;
            }
            docs.add(new Doc(file.getFileName() + "#" + index++, part, expectations(part)));
        }
        return docs;
    }

    static ValidationReport validate(String name, String text) {
        return ConfigValidator.create().validate(List.of(new ConfigFile(name, text.getBytes(StandardCharsets.UTF_8))));
    }

    @TestFactory
    Stream<DynamicTest> validFilesHaveNoErrors() throws Exception {
        return files("valid").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            ValidationReport report = validate(f.getFileName().toString(), text);
            assertThat(report.errors()).as("errors in %s", f.getFileName()).isEmpty();
            List<Expectation> expected = expectations(text);
            for (Expectation e : expected) {
                assertThat(report.diagnostics()).as("%s expects %s", f.getFileName(), e).anyMatch(e::matches);
            }
            if (expected.isEmpty()) {
                assertThat(report.warnings()).as("warnings in %s", f.getFileName()).isEmpty();
            }
            assertThat(report.resources()).isNotEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidDocumentsProduceTheirErrors() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files("invalid")) {
            for (Doc doc : documents(f)) {
                tests.add(DynamicTest.dynamicTest(doc.name(), () -> checkDocument(doc.name(), doc.text(),
                        doc.expectations())));
            }
        }
        return tests.stream();
    }

    @Test
    void atLeastEightyInvalidCases() throws Exception {
        int count = 0;
        for (Path f : files("invalid")) {
            count += documents(f).size();
        }
        assertThat(count).as("invalid golden documents").isGreaterThanOrEqualTo(80);
    }

    @TestFactory
    Stream<DynamicTest> crossResourceSets() throws Exception {
        return files("cross").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            checkDocument(f.getFileName().toString(), text, expectations(text));
        }));
    }

    private static void checkDocument(String name, String text, List<Expectation> expected) {
        assertThat(expected).as("%s has no '# expect:' line", name).isNotEmpty();
        ValidationReport report = validate(name, text);
        for (Expectation e : expected) {
            assertThat(report.diagnostics()).as("%s expects %s", name, e).anyMatch(e::matches);
        }
        for (Diagnostic d : report.errors()) {
            assertThat(expected).as("%s: unexpected %s", name, d.format()).anyMatch(e -> e.matches(d));
        }
        for (Diagnostic d : report.diagnostics()) {
            assertThat(d.line()).as("line of %s", d.format()).isPositive();
            assertThat(d.column()).as("column of %s", d.format()).isPositive();
            assertThat(d.file()).isEqualTo(name);
        }
    }
}

package io.inmesh.config.internal.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.internal.yaml.YamlNode.ListNode;
import io.inmesh.config.internal.yaml.YamlNode.MapNode;
import io.inmesh.config.internal.yaml.YamlNode.Scalar;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class YamlTreeReaderTest {

    @Test
    void keepsLineAndColumnOfEveryNode() {
        var r = YamlTreeReader.read("""
                a: 1
                b:
                  - x
                  - {c: true}
                """);
        assertThat(r.problems()).isEmpty();
        MapNode root = (MapNode) r.documents().get(0).root();
        assertThat(root.entries().get("b").keyLine()).isEqualTo(2);
        ListNode b = (ListNode) root.get("b");
        assertThat(b.items().get(0).line()).isEqualTo(3);
        assertThat(b.items().get(0).column()).isEqualTo(5);
        MapNode c = (MapNode) b.items().get(1);
        assertThat(c.get("c").line()).isEqualTo(4);
        assertThat(c.get("c").column()).isEqualTo(9);
        assertThat(((Scalar) c.get("c")).value()).isEqualTo(true);
    }

    @Test
    void readsEveryDocumentOfAStream() {
        var r = YamlTreeReader.read("a: 1\n---\nb: 2\n---\n---\nc: 3\n");
        assertThat(r.problems()).isEmpty();
        assertThat(r.documents()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(r.documents().stream().filter(d -> d.root() instanceof MapNode)).hasSize(3);
    }

    @Test
    void reportsDuplicateKeysWithBothLines() {
        var r = YamlTreeReader.read("a: 1\nb: 2\na: 3\n");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(3);
            assertThat(p.message()).contains("duplicate key 'a'").contains("first at line 1");
        });
    }

    @Test
    void refusesTypeTags() {
        var r = YamlTreeReader.read("a: !!java.net.URL [\"http://example.com\"]\nb: !custom x\n");
        assertThat(r.problems()).hasSize(2);
        assertThat(r.problems().get(0).message()).contains("YAML tag").contains("not allowed");
        assertThat(r.problems().get(0).line()).isEqualTo(1);
        assertThat(r.problems().get(1).line()).isEqualTo(2);
    }

    @Test
    void expandsAliasesAndMergeKeys() {
        var r = YamlTreeReader.read("base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n");
        assertThat(r.problems()).isEmpty();
        MapNode root = (MapNode) r.documents().get(0).root();
        assertThat(((MapNode) root.get("use")).get("x")).isNotNull();
        MapNode merged = (MapNode) root.get("merged");
        assertThat(((Scalar) merged.get("x")).value()).isEqualTo(1);
        assertThat(((Scalar) merged.get("y")).value()).isEqualTo(3);
    }

    @Test
    void refusesABillionLaughs() {
        StringBuilder b = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            b.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                b.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            b.append("]\n");
        }
        var r = YamlTreeReader.read(b.toString());
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("YAML bomb"));
        assertThat(r.documents()).isEmpty();
    }

    @Test
    void refusesDeepNesting() {
        var r = YamlTreeReader.read("[".repeat(20_000) + "]".repeat(20_000));
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("invalid YAML")
                .contains("nesting deeper than 100 levels"));
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            block.append(" ".repeat(i)).append("a:\n");
        }
        var r2 = YamlTreeReader.read(block.toString());
        assertThat(r2.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("invalid YAML"));
    }

    @Test
    void refusesInvalidUtf8WithItsPosition() {
        byte[] bytes = "a: 1\nb: \"x".getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[bytes.length + 2];
        System.arraycopy(bytes, 0, bad, 0, bytes.length);
        bad[bytes.length] = (byte) 0xC3;
        bad[bytes.length + 1] = (byte) 0x28;
        var r = YamlTreeReader.read(bad);
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("not valid UTF-8");
            assertThat(p.line()).isEqualTo(2);
        });
    }

    @Test
    void refusesOversizedInputWithoutReadingIt() {
        byte[] garbage = new byte[YamlTreeReader.MAX_BYTES + 1];
        new Random(1).nextBytes(garbage);
        var r = YamlTreeReader.read(garbage);
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("larger than"));
    }

    @Test
    void reportsGarbageAsInvalidYamlWithoutThrowing() {
        byte[] garbage = new byte[200_000];
        new Random(7).nextBytes(garbage);
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (32 + (garbage[i] & 0x5F)); // printable ASCII: passes UTF-8, fails YAML or not
        }
        var r = YamlTreeReader.read(garbage);
        // Whatever it is, reading ends with documents or problems, never an exception.
        assertThat(r.documents().size() + r.problems().size()).isPositive();
    }

    @Test
    void plainEmptyTildeAndNullWordsAreNullsQuotedOnesAreStrings() {
        var r = YamlTreeReader.read("a:\nb: ~\nc: \"~\"\nd: ''\ne: Null\nf: NULL\ng: 'null'\nh: yes\n");
        MapNode m = (MapNode) r.documents().get(0).root();
        for (String k : new String[] {"a", "b", "e", "f"}) {
            assertThat(((Scalar) m.get(k)).kind()).as(k).isEqualTo(YamlNode.ScalarKind.NULL);
        }
        assertThat(((Scalar) m.get("c")).value()).isEqualTo("~");
        assertThat(((Scalar) m.get("c")).plain()).isFalse();
        assertThat(((Scalar) m.get("d")).value()).isEqualTo("");
        assertThat(((Scalar) m.get("g")).value()).isEqualTo("null");
        assertThat(((Scalar) m.get("h")).value()).isEqualTo("yes");
        assertThat(((Scalar) m.get("h")).plain()).isTrue();
    }

    @Test
    void cutsAStreamIntoDocumentsAtMarkerLinesOnly() {
        String text = "a: 1\n---\nb: 2\n----\n--- # two\nc: |\n  ---x\n--- 3\n---\r\nd: 4\n";
        var docs = YamlTreeReader.documents(text);
        assertThat(docs).extracting(YamlTreeReader.DocumentText::firstLine).containsExactly(1, 2, 5, 8, 9);
        assertThat(String.join("", docs.stream().map(YamlTreeReader.DocumentText::text).toList())).isEqualTo(text);
        assertThat(YamlTreeReader.documents("%YAML 1.2\n---\na: 1\n---\nb: 2\n")).hasSize(1);
        // Read apart, the documents keep the positions they have in the whole stream.
        var third = YamlTreeReader.read(docs.get(3).text(), docs.get(3).firstLine() - 1);
        assertThat(third.documents().get(0).root().line()).isEqualTo(8);
    }
}

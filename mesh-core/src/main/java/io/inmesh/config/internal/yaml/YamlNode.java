package io.inmesh.config.internal.yaml;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A YAML node with the position it was read from. The tree is built by {@link YamlTreeReader}; it holds no
 * objects other than strings, numbers, booleans, nulls, maps and lists.
 */
public sealed interface YamlNode {

    /** 1-based line of the node's first character. */
    int line();

    /** 1-based column of the node's first character. */
    int column();

    /**
     * What this node costs once every alias is expanded: one unit per node plus one per 16 characters of scalar
     * text, so that aliases to long strings count too.
     */
    long expandedSize();

    /** What the node is, in words, for diagnostics ("a map", "a list", "the string \"x\""). */
    String describe();

    enum ScalarKind { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

    /**
     * A scalar. {@code value} is a String, Long, BigInteger, Double, BigDecimal, Boolean or null; {@code plain} is
     * false for quoted and block scalars.
     */
    record Scalar(ScalarKind kind, Object value, String text, int line, int column, boolean plain)
            implements YamlNode {

        public Scalar(ScalarKind kind, Object value, String text, int line, int column) {
            this(kind, value, text, line, column, true);
        }

        @Override
        public long expandedSize() {
            return 1 + text.length() / 16;
        }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "the string \"" + Diag.abbreviate(text) + "\"";
                case INTEGER -> "the integer " + text;
                case FLOAT -> "the number " + text;
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "null";
            };
        }
    }

    /** A key's value with the key's own position. */
    record Entry(String key, int keyLine, int keyColumn, YamlNode value) {
    }

    /** A mapping, in document order. */
    record MapNode(Map<String, Entry> entries, long expandedSize, int line, int column) implements YamlNode {
        /** Takes {@code entries} as it is (the reader builds a fresh map per node) behind a read-only view. */
        public MapNode {
            entries = Collections.unmodifiableMap(entries);
        }

        public YamlNode get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }

        @Override
        public String describe() {
            return "a map";
        }
    }

    /** A sequence. */
    record ListNode(List<YamlNode> items, long expandedSize, int line, int column) implements YamlNode {
        public ListNode {
            items = Collections.unmodifiableList(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** Small text helpers shared by the YAML layer. */
    final class Diag {
        private Diag() {
        }

        /** Cuts a value shown in a message to a readable length. */
        public static String abbreviate(String s) {
            if (s == null) {
                return "null";
            }
            String oneLine = s.replace("\n", "\\n");
            return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
        }
    }
}

package io.inmesh.config.internal;

import io.inmesh.config.internal.yaml.YamlNode;
import io.inmesh.config.internal.yaml.YamlNode.ListNode;
import io.inmesh.config.internal.yaml.YamlNode.MapNode;
import io.inmesh.config.internal.yaml.YamlNode.Scalar;
import java.util.TreeMap;

/**
 * A canonical text of a YAML tree: keys sorted, layout, comments and anchors gone. Two files that say the same
 * thing have the same canonical text, so reformatting a file does not count as a change.
 */
public final class Canonical {
    private Canonical() {
    }

    /** SHA-256 of a text, in hex. */
    public static String sha256(String text) {
        return sha256(md -> md.update(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** SHA-256, in hex, of what {@code feed} writes into the digest. */
    public static String sha256(java.util.function.Consumer<java.security.MessageDigest> feed) {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
        feed.accept(md);
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    public static String of(YamlNode node) {
        StringBuilder b = new StringBuilder();
        write(node, b);
        return b.toString();
    }

    private static void write(YamlNode node, StringBuilder b) {
        if (node instanceof Scalar s) {
            if (s.kind() == YamlNode.ScalarKind.STRING) {
                quote(s.text(), b);
            } else {
                b.append(s.kind() == YamlNode.ScalarKind.NULL ? "null" : String.valueOf(s.value()));
            }
        } else if (node instanceof ListNode l) {
            b.append('[');
            for (int i = 0; i < l.items().size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(l.items().get(i), b);
            }
            b.append(']');
        } else {
            MapNode m = (MapNode) node;
            b.append('{');
            boolean first = true;
            for (var e : new TreeMap<>(m.entries()).entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                quote(e.getKey(), b);
                b.append(':');
                write(e.getValue().value(), b);
            }
            b.append('}');
        }
    }

    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }
}

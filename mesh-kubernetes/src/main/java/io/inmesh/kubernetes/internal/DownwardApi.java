package io.inmesh.kubernetes.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the downward API's label and annotation files: kubelet writes one {@code key="value"} a line, sorted by key,
 * the value quoted as Go's {@code %q} does: a backslash before a quote, a backslash, n, t, xNN, a small u with four
 * hex digits, and the rest of Go's escapes.
 */
public final class DownwardApi {
    private DownwardApi() {
    }

    /**
     * Parses {@code text}.
     *
     * @param where the file, for error messages
     * @throws IllegalStateException naming {@code where}, the line and what was expected, for a malformed line
     */
    public static Map<String, String> parseMap(String text, String where) {
        Map<String, String> map = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || line.length() < eq + 3 || line.charAt(eq + 1) != '"' || !line.endsWith("\"")) {
                throw new IllegalStateException(where + ":" + (i + 1) + ": \"" + line
                        + "\" (expected key=\"value\", as the downward API writes metadata.labels)");
            }
            try {
                map.put(line.substring(0, eq), unquote(line.substring(eq + 2, line.length() - 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return map;
    }

    /** Undoes Go's {@code strconv.Quote} on the text between the quotes. */
    static String unquote(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '"') {
                throw new IllegalArgumentException("unescaped '\"' in a quoted value");
            }
            if (c != '\\') {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new IllegalArgumentException("a value ends in a lone backslash");
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'a' -> out.write(7);
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case '\'' -> out.write('\'');
                case 'x' -> {
                    out.write(hex(s, i, 2));
                    i += 2;
                }
                case 'u', 'U' -> {
                    int n = e == 'u' ? 4 : 8;
                    byte[] b = new String(Character.toChars(hex(s, i, n)))
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(b, 0, b.length);
                    i += n;
                }
                default -> {
                    if (e >= '0' && e <= '7' && i + 1 < s.length()) {
                        out.write(Integer.parseInt(s.substring(i - 1, i + 2), 8));
                        i += 2;
                    } else {
                        throw new IllegalArgumentException("unknown escape \\" + e);
                    }
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(String s, int from, int n) {
        if (from + n > s.length()) {
            throw new IllegalArgumentException("escape cut short: expected " + n + " hex digits");
        }
        try {
            return Integer.parseInt(s.substring(from, from + n), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("escape with non-hex digits \"" + s.substring(from, from + n) + "\"");
        }
    }
}

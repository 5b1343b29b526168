package io.inmesh.config.internal.yaml;

import io.inmesh.config.internal.yaml.YamlNode.Entry;
import io.inmesh.config.internal.yaml.YamlNode.ListNode;
import io.inmesh.config.internal.yaml.YamlNode.MapNode;
import io.inmesh.config.internal.yaml.YamlNode.Scalar;
import io.inmesh.config.internal.yaml.YamlNode.ScalarKind;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads multi-document YAML into {@link YamlNode} trees with positions, safely: no tags, no object construction,
 * bounded size, nesting and alias expansion, duplicate keys reported. Never throws for bad input: every problem
 * becomes a {@link Problem} and the documents read before it are kept.
 */
public final class YamlTreeReader {

    /** Largest file accepted, in bytes. A Kubernetes ConfigMap holds at most 1 MiB. */
    public static final int MAX_BYTES = 8 * 1024 * 1024;
    /** Deepest nesting accepted. Istio resources nest about 12 levels. */
    public static final int MAX_DEPTH = 100;
    /**
     * Most a document may cost once aliases are expanded, in {@link YamlNode#expandedSize()} units (a guard against
     * "billion laughs"): about a million nodes, or 16 MiB of text.
     */
    public static final long MAX_EXPANDED_NODES = 1_000_000;
    /** Most documents one file may hold. */
    public static final int MAX_DOCUMENTS = 10_000;

    /** A problem found while reading, at a 1-based position. */
    public record Problem(int line, int column, String message) {
    }

    /** One document: its root node (never null) and where it started. */
    public record Document(int index, YamlNode root) {
    }

    /** What was read: the documents and the problems. A file with problems has no usable documents after them. */
    public record Result(List<Document> documents, List<Problem> problems) {
    }

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxDocumentLength(MAX_BYTES)
                    .maxStringLength(MAX_BYTES)
                    .maxNameLength(64 * 1024)
                    .build())
            .loadSettings(LoadSettings.builder()
                    .setCodePointLimit(MAX_BYTES)
                    .setAllowDuplicateKeys(true) // reported by us, with positions, rather than thrown
                    .setMaxAliasesForCollections(1000)
                    .build())
            .build();

    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, YamlNode> anchors = new HashMap<>();
    private YAMLParser parser;
    private String source;
    private final int lineOffset;

    private YamlTreeReader(int lineOffset) {
        this.lineOffset = lineOffset;
    }

    /** The 1-based line in the whole file of a location in the text being read. */
    private int lineOf(TokenStreamLocation at) {
        return (at == null || at.getLineNr() < 1 ? 1 : at.getLineNr()) + lineOffset;
    }

    /** Text decoded from bytes, or the problem that stopped it. */
    public record Decoded(String text, Problem problem) {
    }

    /** Decodes strict UTF-8 within the size limit. */
    public static Decoded decode(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return new Decoded(null, new Problem(1, 1, "file is larger than the limit of " + MAX_BYTES
                    + " bytes (8 MiB)"));
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        var cr = decoder.decode(in, out, true);
        if (cr.isError()) {
            int offset = in.position();
            int line = 1;
            int col = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    col = 1;
                } else if ((bytes[i] & 0xC0) != 0x80) {
                    col++;
                }
            }
            return new Decoded(null, new Problem(line, col,
                    "not valid UTF-8: malformed byte sequence at byte offset " + offset));
        }
        decoder.flush(out);
        out.flip();
        return new Decoded(out.toString(), null);
    }

    /** Reads raw bytes; they must be UTF-8. */
    public static Result read(byte[] bytes) {
        Decoded d = decode(bytes);
        return d.problem() != null ? new Result(List.of(), List.of(d.problem())) : read(d.text());
    }

    /** The text of one document of a stream and the line (1-based) it starts on. */
    public record DocumentText(int firstLine, String text) {
    }

    /**
     * Cuts a stream into its documents at the lines that start with the document marker {@code ---} (YAML forbids
     * such a line inside a document's content, scalars included), so that documents can be read, and their results
     * kept, one by one. A stream with directives ({@code %YAML}) stays whole. Stops after
     * {@link #MAX_DOCUMENTS} + 1 documents.
     */
    public static List<DocumentText> documents(String text) {
        List<DocumentText> out = new ArrayList<>();
        int start = 0;
        int startLine = 1;
        int line = 1;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int eol = text.indexOf('\n', pos);
            int next = eol < 0 ? n : eol + 1;
            if (text.charAt(pos) == '%') {
                return List.of(new DocumentText(1, text));
            }
            if (pos > start && isDocumentStart(text, pos, eol < 0 ? n : eol)) {
                out.add(new DocumentText(startLine, text.substring(start, pos)));
                if (out.size() > MAX_DOCUMENTS) {
                    return out; // over the limit already: the caller refuses the file without the rest
                }
                start = pos;
                startLine = line;
            }
            pos = next;
            line++;
        }
        out.add(new DocumentText(startLine, text.substring(start)));
        return out;
    }

    private static boolean isDocumentStart(String text, int from, int to) {
        if (to - from < 3 || !text.startsWith("---", from)) {
            return false;
        }
        if (to - from == 3) {
            return true;
        }
        char c = text.charAt(from + 3);
        return c == ' ' || c == '\t' || c == '\r';
    }

    /** Reads text. */
    public static Result read(String text) {
        return read(text, 0);
    }

    /**
     * Reads text that starts {@code lineOffset} lines into its file (one document cut out of a longer file), so that
     * every position is a position in the file.
     */
    public static Result read(String text, int lineOffset) {
        if (text.length() > MAX_BYTES) {
            return new Result(List.of(), List.of(new Problem(1 + lineOffset, 1, "document is " + text.length()
                    + " characters, more than the limit of " + MAX_BYTES)));
        }
        YamlTreeReader reader = new YamlTreeReader(lineOffset);
        List<Document> docs = reader.readAll(text);
        return new Result(docs, List.copyOf(reader.problems));
    }

    private List<Document> readAll(String text) {
        source = text;
        List<Document> docs = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), text)) {
            parser = (YAMLParser) p;
            int index = 0;
            JsonToken t;
            while ((t = parser.nextToken()) != null) {
                anchors.clear();
                if (index >= MAX_DOCUMENTS) {
                    TokenStreamLocation at = parser.currentTokenLocation();
                    problems.add(new Problem(lineOf(at), at.getColumnNr(), "more than " + MAX_DOCUMENTS
                            + " documents in one file"));
                    return docs;
                }
                YamlNode root = readValue(t);
                if (root.expandedSize() > MAX_EXPANDED_NODES) {
                    problems.add(new Problem(root.line(), root.column(), "document expands to "
                            + root.expandedSize() + " nodes through aliases, more than the limit of "
                            + MAX_EXPANDED_NODES));
                    return docs;
                }
                docs.add(new Document(index++, root));
            }
        } catch (TooLarge e) {
            problems.add(new Problem(e.line, e.column, e.getMessage()));
        } catch (tools.jackson.core.exc.StreamConstraintsException e) {
            TokenStreamLocation loc = parser == null ? null : parser.currentLocation();
            String what = String.valueOf(e.getOriginalMessage()).contains("nesting depth")
                    ? "nesting deeper than " + MAX_DEPTH + " levels" : "input exceeds a size limit";
            problems.add(new Problem(lineOf(loc),
                    loc == null ? 1 : Math.max(1, loc.getColumnNr()), "invalid YAML: " + what));
        } catch (JacksonException e) {
            TokenStreamLocation loc = e.getLocation();
            int line = lineOf(loc);
            int col = loc == null || loc.getColumnNr() < 1 ? 1 : loc.getColumnNr();
            problems.add(new Problem(line, col, "invalid YAML: " + cleanMessage(e.getOriginalMessage())));
        } catch (RuntimeException e) {
            // SnakeYAML Engine's own scanner errors surface as unchecked exceptions of its own types.
            problems.add(new Problem(1 + lineOffset, 1, "invalid YAML: " + cleanMessage(String.valueOf(e.getMessage()))));
        }
        return docs;
    }

    private static String cleanMessage(String m) {
        if (m == null) {
            return "unreadable input";
        }
        // SnakeYAML writes "while parsing X / in reader, line.. / snippet / expected Y, but got Z / in reader..":
        // keep the sentences, drop the position lines (the diagnostic has the position) and the snippets.
        StringBuilder b = new StringBuilder();
        for (String line : m.strip().split("\\R")) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0)) || line.contains("in reader")) {
                continue;
            }
            b.append(b.length() == 0 ? "" : "; ").append(line.strip());
        }
        String text = b.length() == 0 ? m.strip().split("\\R", 2)[0] : b.toString();
        return text.length() <= 200 ? text : text.substring(0, 197) + "...";
    }

    private YamlNode readValue(JsonToken t) {
        TokenStreamLocation loc = parser.currentTokenLocation();
        int line = lineOf(loc);
        int col = loc.getColumnNr();
        String tag = parser.getTypeId();
        if (tag != null) {
            String shown = tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.substring("tag:yaml.org,2002:".length()) : tag;
            problems.add(new Problem(line, col, "YAML tag '" + YamlNode.Diag.abbreviate(shown)
                    + "' is not allowed: InMesh reads plain data only"));
        }
        String anchor = parser.getObjectId();
        YamlNode node;
        if (t == JsonToken.VALUE_STRING && parser.isCurrentAlias()) {
            String name = parser.getString();
            node = anchors.get(name);
            if (node == null) {
                problems.add(new Problem(line, col, "alias '*" + YamlNode.Diag.abbreviate(name)
                        + "' names no anchor defined before it"));
                node = new Scalar(ScalarKind.NULL, null, "null", line, col);
            }
            return node;
        }
        node = switch (t) {
            case START_OBJECT -> readMap(line, col);
            case START_ARRAY -> readList(line, col);
            case VALUE_STRING -> plainNull(parser.getString(), loc)
                    ? new Scalar(ScalarKind.NULL, null, "null", line, col)
                    : new Scalar(ScalarKind.STRING, parser.getString(), parser.getString(), line, col, plainAt(loc));
            case VALUE_NUMBER_INT -> new Scalar(ScalarKind.INTEGER, parser.getNumberValue(), parser.getString(),
                    line, col);
            case VALUE_NUMBER_FLOAT -> new Scalar(ScalarKind.FLOAT, parser.getNumberValue(), parser.getString(),
                    line, col);
            case VALUE_TRUE -> new Scalar(ScalarKind.BOOLEAN, Boolean.TRUE, parser.getString(), line, col);
            case VALUE_FALSE -> new Scalar(ScalarKind.BOOLEAN, Boolean.FALSE, parser.getString(), line, col);
            case VALUE_NULL -> new Scalar(ScalarKind.NULL, null, "null", line, col);
            default -> {
                problems.add(new Problem(line, col, "unexpected YAML token " + t));
                yield new Scalar(ScalarKind.NULL, null, "null", line, col);
            }
        };
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    /**
     * YAML 1.2's core schema reads a plain (unquoted) empty value, {@code ~}, {@code Null} and {@code NULL} as null;
     * the parser reports them as strings, so look at the source: a quoted scalar starts with a quote.
     */
    private boolean plainNull(String value, TokenStreamLocation at) {
        if (!(value.isEmpty() || value.equals("~") || value.equals("Null") || value.equals("NULL"))) {
            return false;
        }
        long offset = at.getCharOffset();
        if (offset < 0 || offset >= source.length()) {
            return value.isEmpty();
        }
        return plainAt(at);
    }

    /** True when the scalar at {@code at} is written plain: not quoted, not a block scalar. */
    private boolean plainAt(TokenStreamLocation at) {
        long offset = at.getCharOffset();
        if (offset < 0 || offset >= source.length()) {
            return true;
        }
        char c = source.charAt((int) offset);
        return c != '"' && c != '\'' && c != '|' && c != '>';
    }

    private MapNode readMap(int line, int col) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        java.util.Set<String> merged = new java.util.HashSet<>();
        long size = 1;
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_OBJECT) {
            if (t != JsonToken.PROPERTY_NAME) {
                throw new IllegalStateException("expected a key, found " + t);
            }
            TokenStreamLocation kl = parser.currentTokenLocation();
            String key = parser.currentName();
            YamlNode value = readValue(parser.nextToken());
            if ("<<".equals(key) && value instanceof MapNode mergedMap) {
                // YAML merge key: entries of the merged map that this map does not set itself.
                for (Entry e : mergedMap.entries().values()) {
                    if (entries.putIfAbsent(e.key(), e) == null) {
                        merged.add(e.key());
                        size = addSize(size, e.value().expandedSize(), kl);
                    }
                }
                continue;
            }
            Entry previous = entries.get(key);
            if (previous != null && merged.remove(key)) {
                previous = null; // a key of the map itself overrides a merged one
            }
            if (previous != null) {
                problems.add(new Problem(lineOf(kl), kl.getColumnNr(), "duplicate key '"
                        + YamlNode.Diag.abbreviate(key) + "' (first at line " + previous.keyLine() + ")"));
                continue;
            }
            entries.put(key, new Entry(key, lineOf(kl), kl.getColumnNr(), value));
            size = addSize(size, value.expandedSize(), kl);
        }
        return new MapNode(entries, size, line, col);
    }

    private ListNode readList(int line, int col) {
        List<YamlNode> items = new ArrayList<>();
        long size = 1;
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            YamlNode item = readValue(t);
            items.add(item);
            size = addSize(size, item.expandedSize(), parser.currentTokenLocation());
        }
        return new ListNode(items, size, line, col);
    }

    private long addSize(long size, long more, TokenStreamLocation at) {
        long total = size + more;
        if (total > MAX_EXPANDED_NODES) {
            throw new TooLarge(lineOf(at), at.getColumnNr(), "aliases expand to more than "
                    + MAX_EXPANDED_NODES + " nodes (a YAML bomb?)");
        }
        return total;
    }

    private static final class TooLarge extends RuntimeException {
        private final int line;
        private final int column;

        TooLarge(int line, int column, String message) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }
    }
}

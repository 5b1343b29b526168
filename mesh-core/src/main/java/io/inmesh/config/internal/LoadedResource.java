package io.inmesh.config.internal;

import io.inmesh.config.MeshResource;
import io.inmesh.config.internal.yaml.YamlNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A resource as read from a file: the record, where it came from, its content hash, and the YAML node of every
 * field path so that diagnostics can point at lines and columns.
 *
 * <p>The positions are the heavy part. A {@link #slim() slim} copy drops them and keeps a reference to the file's
 * bytes instead: the holder caches slim copies of unchanged files between reloads, and {@link #nodeFor} reads
 * the file again in the rare case a later check reports on one of them.
 */
public final class LoadedResource {
    private final MeshResource resource;
    private final String file;
    private final byte[] content;
    private final int index;
    private final String defaultNamespace;
    private final int line;
    private final String contentHash;
    private final Set<String> bindErrorPaths;
    private final YamlNode root;
    private final Map<String, YamlNode> nodes;
    private final Reread reread;

    /**
     * Reads a file's resources again, for the positions its slim resources dropped; shared by the slim resources of
     * one file and held weakly, so a burst of diagnostics on one file parses it once and nothing stays in memory.
     */
    public static final class Reread {
        private final String file;
        private final byte[] content;
        private final String defaultNamespace;
        private java.lang.ref.WeakReference<List<LoadedResource>> last = new java.lang.ref.WeakReference<>(null);

        public Reread(String file, byte[] content, String defaultNamespace) {
            this.file = file;
            this.content = content;
            this.defaultNamespace = defaultNamespace;
        }

        synchronized List<LoadedResource> resources() {
            List<LoadedResource> r = last.get();
            if (r == null) {
                r = ResourceReader.read(file, content, defaultNamespace).resources();
                last = new java.lang.ref.WeakReference<>(r);
            }
            return r;
        }
    }

    /**
     * @param content the whole file's bytes (shared, not copied), to re-read positions once slim
     * @param index   which of the file's resources this is
     */
    public LoadedResource(MeshResource resource, String file, byte[] content, int index, String defaultNamespace,
                          String contentHash, Set<String> bindErrorPaths, YamlNode root,
                          Map<String, YamlNode> nodes) {
        this.resource = resource;
        this.file = file;
        this.content = content;
        this.index = index;
        this.defaultNamespace = defaultNamespace;
        this.line = root == null ? 0 : root.line();
        this.contentHash = contentHash;
        this.bindErrorPaths = bindErrorPaths;
        this.root = root;
        this.nodes = nodes;
        this.reread = null;
    }

    private LoadedResource(LoadedResource from, byte[] content, int index, boolean keepNodes, Reread reread) {
        this.resource = from.resource;
        this.file = from.file;
        this.content = content;
        this.index = index;
        this.defaultNamespace = from.defaultNamespace;
        this.line = from.line;
        this.contentHash = from.contentHash;
        this.bindErrorPaths = from.bindErrorPaths;
        this.root = keepNodes ? from.root : null;
        this.nodes = keepNodes ? from.nodes : null;
        this.reread = reread;
    }

    /**
     * The same resource as the {@code index}th of a file whose bytes are now {@code content}; a slim one reads its
     * positions again through {@code reread} (which must read that file).
     */
    public LoadedResource relocated(byte[] content, int index, Reread reread) {
        return new LoadedResource(this, content, index, nodes != null, nodes != null ? null : reread);
    }

    /**
     * The same resource without its positions, which {@code reread} (made once per file, for the same file) reads
     * again when needed.
     */
    public LoadedResource slim(Reread reread) {
        return new LoadedResource(this, content, index, false, reread);
    }

    public MeshResource resource() {
        return resource;
    }

    public String file() {
        return file;
    }

    /** The line where the resource's document starts. */
    public int line() {
        return line;
    }

    /** SHA-256 (hex) of the resource's canonical form: kind, namespace, name and content, layout ignored. */
    public String contentHash() {
        return contentHash;
    }

    /** The node for {@code path}, or the closest enclosing node that exists, or the document root. */
    public YamlNode nodeFor(String path) {
        if (nodes == null) {
            return reread.resources().get(index).nodeFor(path);
        }
        String p = path;
        while (p != null && !p.isEmpty()) {
            YamlNode n = nodes.get(p);
            if (n != null) {
                return n;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut <= 0 ? null : p.substring(0, cut);
        }
        return root;
    }

    /** The scalar text written at exactly {@code path}, or null. */
    public String writtenAt(String path) {
        if (nodes == null) {
            return reread.resources().get(index).writtenAt(path);
        }
        return nodes.get(path) instanceof YamlNode.Scalar s ? s.text() : null;
    }

    /**
     * True when {@code path} is, contains or lies inside a field the binder could not read: a rule about it would
     * only repeat that error (a dropped list item makes its list look empty).
     */
    public boolean overlapsBindError(String path) {
        for (String p : bindErrorPaths) {
            if (path.equals(p) || within(path, p) || within(p, path)) {
                return true;
            }
        }
        return false;
    }

    private static boolean within(String inner, String outer) {
        return inner.length() > outer.length() && inner.startsWith(outer)
                && (inner.charAt(outer.length()) == '.' || inner.charAt(outer.length()) == '[');
    }

    @Override
    public String toString() {
        return resource.kind() + " " + resource.key() + " (" + file + ":" + line + ")";
    }
}

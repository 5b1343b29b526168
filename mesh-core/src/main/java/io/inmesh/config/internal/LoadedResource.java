package io.inmesh.config.internal;

import io.inmesh.config.MeshResource;
import io.inmesh.config.internal.yaml.YamlNode;
import java.util.Map;

/**
 * A resource as read from a file: the record, where it came from, and the node of every field path so that
 * validation can point at lines and columns.
 */
public record LoadedResource(MeshResource resource, String file, YamlNode root, Map<String, YamlNode> nodes,
                             String canonical, java.util.Set<String> bindErrorPaths) {

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

    /** The node for {@code path}, or the closest enclosing node that exists, or the document root. */
    public YamlNode nodeFor(String path) {
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
}

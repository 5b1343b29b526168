package io.inmesh.config.internal.compile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values by host: exact names first, else the most specific wildcard ({@code *.api.example.com} before
 * {@code *.example.com} before {@code *}). Built once per snapshot; a lookup of a lower-case host allocates nothing.
 */
public final class HostTable<V> {
    private record Wildcard<V>(String suffix, V value) {
    }

    private final Map<String, V> exact;
    private final List<Wildcard<V>> wildcards;

    /** {@code byHost} keys are lower-case host names or wildcards ({@code *.suffix}, {@code *}). */
    public HostTable(Map<String, V> byHost) {
        Map<String, V> ex = new HashMap<>();
        List<Wildcard<V>> wc = new ArrayList<>();
        byHost.forEach((host, value) -> {
            if (host.startsWith("*")) {
                wc.add(new Wildcard<>(host.substring(1), value));
            } else {
                ex.put(host, value);
            }
        });
        wc.sort(Comparator.comparingInt((Wildcard<V> w) -> w.suffix().length()).reversed());
        this.exact = Map.copyOf(ex);
        this.wildcards = List.copyOf(wc);
    }

    /** Every value, exact hosts first, then wildcards from the most specific. */
    public List<V> values() {
        List<V> out = new ArrayList<>(exact.values());
        for (Wildcard<V> w : wildcards) {
            out.add(w.value());
        }
        return out;
    }

    /** The value for a lower-case {@code host}, or null. */
    public V lookup(String host) {
        V v = exact.get(host);
        if (v != null) {
            return v;
        }
        for (Wildcard<V> w : wildcards) {
            if (host.length() > w.suffix().length() && host.endsWith(w.suffix())) {
                return w.value();
            }
        }
        return null;
    }
}

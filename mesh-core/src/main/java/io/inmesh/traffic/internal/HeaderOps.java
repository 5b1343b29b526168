package io.inmesh.traffic.internal;

import io.inmesh.config.VirtualService.HeaderOperations;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header manipulations of a route or destination, compiled: names lower-case, in arrays so that applying them
 * allocates nothing. Envoy's order: remove, then set (replace), then add (append).
 */
public final class HeaderOps {
    public static final HeaderOps NONE = new HeaderOps(new String[0], new String[0], new String[0], new String[0],
            new String[0]);

    public final String[] remove;
    public final String[] setNames;
    public final String[] setValues;
    public final String[] addNames;
    public final String[] addValues;

    private HeaderOps(String[] remove, String[] setNames, String[] setValues, String[] addNames, String[] addValues) {
        this.remove = remove;
        this.setNames = setNames;
        this.setValues = setValues;
        this.addNames = addNames;
        this.addValues = addValues;
    }

    public static HeaderOps of(HeaderOperations ops) {
        if (ops == null) {
            return NONE;
        }
        List<String> remove = ops.remove() == null ? List.of() : ops.remove();
        Map<String, String> set = ops.set() == null ? Map.of() : ops.set();
        Map<String, String> add = ops.add() == null ? Map.of() : ops.add();
        if (remove.isEmpty() && set.isEmpty() && add.isEmpty()) {
            return NONE;
        }
        String[] r = remove.stream().map(s -> s.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        String[] sn = new String[set.size()];
        String[] sv = new String[set.size()];
        int i = 0;
        for (var e : set.entrySet()) {
            sn[i] = name(e.getKey());
            sv[i++] = e.getValue() == null ? "" : e.getValue();
        }
        String[] an = new String[add.size()];
        String[] av = new String[add.size()];
        i = 0;
        for (var e : add.entrySet()) {
            an[i] = name(e.getKey());
            av[i++] = e.getValue() == null ? "" : e.getValue();
        }
        return new HeaderOps(r, sn, sv, an, av);
    }

    /** Lower case; Envoy's {@code :authority} is the HTTP/1 {@code host} header. */
    private static String name(String n) {
        String lower = n.toLowerCase(Locale.ROOT);
        return lower.equals(":authority") ? "host" : lower;
    }

    public boolean isEmpty() {
        return this == NONE;
    }
}

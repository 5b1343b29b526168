package io.inmesh.telemetry.internal.propagation;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Getter and setter for a header multimap ({@code Map<String, List<String>>}, one list element per header field
 * line), for tests and adapters whose headers come in that shape. Header names are matched ignoring ASCII case.
 * {@link TextMapGetter#getAll} answers every line of a header, which is how {@link TraceContextPropagator} tells a
 * duplicated {@code traceparent} from a single one.
 */
public final class MultiMapCarrier {
    /** Reads a header multimap; {@code get} answers the first line of a header, {@code getAll} all of them. */
    public static final TextMapGetter<Map<String, List<String>>> GETTER = new Getter();

    /** Writes into a mutable header multimap: a set replaces every line of that header (any case) with one. */
    public static final TextMapSetter<Map<String, List<String>>> SETTER = (carrier, key, value) -> {
        if (carrier == null || key == null || value == null) {
            return;
        }
        carrier.keySet().removeIf(name -> name.equalsIgnoreCase(key));
        List<String> line = new ArrayList<>(1);
        line.add(value);
        carrier.put(key, line);
    };

    private MultiMapCarrier() {
    }

    private static List<String> lines(Map<String, List<String>> carrier, String key) {
        if (carrier == null || key == null) {
            return null;
        }
        List<String> exact = carrier.get(key);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, List<String>> e : carrier.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static final class Getter implements TextMapGetter<Map<String, List<String>>> {
        @Override
        public Iterable<String> keys(Map<String, List<String>> carrier) {
            return carrier == null ? Collections.emptyList() : carrier.keySet();
        }

        @Override
        public String get(Map<String, List<String>> carrier, String key) {
            List<String> lines = lines(carrier, key);
            return lines == null || lines.isEmpty() ? null : lines.get(0);
        }

        @Override
        public Iterator<String> getAll(Map<String, List<String>> carrier, String key) {
            List<String> lines = lines(carrier, key);
            return lines == null ? Collections.emptyIterator() : lines.iterator();
        }
    }
}

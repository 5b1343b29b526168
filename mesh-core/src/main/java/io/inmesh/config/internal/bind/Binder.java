package io.inmesh.config.internal.bind;

import io.inmesh.config.Severity;
import io.inmesh.config.internal.yaml.YamlNode;
import io.inmesh.config.internal.yaml.YamlNode.Entry;
import io.inmesh.config.internal.yaml.YamlNode.ListNode;
import io.inmesh.config.internal.yaml.YamlNode.MapNode;
import io.inmesh.config.internal.yaml.YamlNode.Scalar;
import io.inmesh.config.internal.yaml.YamlNode.ScalarKind;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binds a {@link YamlNode} tree onto the model's records by their component names, reporting every type
 * mismatch, unknown field (with a "did you mean" hint) and unsupported field, and remembering which node every
 * field path came from so that later diagnostics can point at it. A field that cannot be bound is left null;
 * binding goes on so that all problems are reported at once.
 */
public final class Binder {

    /** Receives the binder's findings. */
    @FunctionalInterface
    public interface Reporter {
        void report(Severity severity, String path, int line, int column, String message);
    }

    /** Plain words YAML 1.1 (Kubernetes, Istio) reads as booleans and YAML 1.2 (InMesh) as strings. */
    private static final java.util.Set<String> YAML11_BOOLEANS = java.util.Set.of("y", "Y", "yes", "Yes", "YES",
            "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF");

    private final Reporter reporter;
    private final Map<String, YamlNode> nodes = new HashMap<>();

    public Binder(Reporter reporter) {
        this.reporter = reporter;
    }

    /** Field path to the node it was bound from, for every field that was set. */
    public Map<String, YamlNode> nodes() {
        return nodes;
    }

    /** Binds {@code node} as {@code type}, or returns null after reporting why it could not. */
    public Object bind(YamlNode node, Type type, String path) {
        if (node == null) {
            return null;
        }
        nodes.put(path, node);
        if (node instanceof Scalar s && s.kind() == ScalarKind.NULL) {
            return null; // `field:` or `field: ~` means absent, as in Kubernetes
        }
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return bindRecord(node, raw, path);
        }
        if (raw == List.class) {
            return bindList(node, typeArg(type, 0), path);
        }
        if (raw == Map.class) {
            return bindMap(node, typeArg(type, 0), typeArg(type, 1), path);
        }
        if (raw.isEnum()) {
            return bindEnum(node, raw, path);
        }
        if (!(node instanceof Scalar s)) {
            return mismatch(node, path, expectedWord(raw));
        }
        if (raw == String.class) {
            if (s.kind() != ScalarKind.STRING) {
                return mismatch(node, path, "a string (quote the value to make it one)");
            }
            if (s.plain() && YAML11_BOOLEANS.contains(s.text())) {
                report(Severity.WARNING, path, node, "read as the string \"" + s.text() + "\" (YAML 1.2), but Istio's"
                        + " YAML 1.1 reader takes it for a boolean; quote it to mean the same everywhere");
            }
            return s.value();
        }
        if (raw == Integer.class || raw == Long.class) {
            return bindInteger(s, raw == Integer.class, path);
        }
        if (raw == Double.class) {
            if (s.kind() == ScalarKind.INTEGER || s.kind() == ScalarKind.FLOAT) {
                double d = ((Number) s.value()).doubleValue();
                if (Double.isFinite(d)) {
                    return d;
                }
            }
            return mismatch(node, path, "a number");
        }
        if (raw == Boolean.class) {
            if (s.kind() != ScalarKind.BOOLEAN) {
                return mismatch(node, path, "true or false");
            }
            return s.value();
        }
        if (raw == Duration.class) {
            if (s.kind() != ScalarKind.STRING) {
                return mismatch(node, path, "a duration such as 1.5s, 100ms or 2m");
            }
            Duration d = Durations.parse((String) s.value());
            if (d == null) {
                report(Severity.ERROR, path, node, "invalid duration \"" + YamlNode.Diag.abbreviate(s.text())
                        + "\": expected a number with a unit (ns, us, ms, s, m, h), such as 1.5s, 100ms or 2m");
            }
            return d;
        }
        throw new IllegalStateException("model type not supported by the binder: " + type);
    }

    private Object bindInteger(Scalar s, boolean isInt, String path) {
        BigInteger value = null;
        if (s.kind() == ScalarKind.INTEGER) {
            value = s.value() instanceof BigInteger b ? b : BigInteger.valueOf(((Number) s.value()).longValue());
        } else if (s.kind() == ScalarKind.STRING && ((String) s.value()).matches("-?[0-9]{1,19}")) {
            value = new BigInteger((String) s.value()); // protobuf JSON also writes integers as strings
        } else if (s.kind() == ScalarKind.FLOAT) {
            BigDecimal d = s.value() instanceof BigDecimal b ? b : BigDecimal.valueOf(((Number) s.value()).doubleValue());
            if (d.stripTrailingZeros().scale() <= 0) {
                value = d.toBigInteger();
            }
        }
        if (value == null) {
            return mismatch(s, path, "an integer");
        }
        BigInteger min = BigInteger.valueOf(isInt ? Integer.MIN_VALUE : Long.MIN_VALUE);
        BigInteger max = BigInteger.valueOf(isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            report(Severity.ERROR, path, s, "integer " + value + " is out of range (expected " + min
                    + " to " + max + ")");
            return null;
        }
        return isInt ? (Object) value.intValue() : (Object) value.longValue();
    }

    private Object bindEnum(YamlNode node, Class<?> raw, String path) {
        Object[] constants = raw.getEnumConstants();
        List<String> names = Arrays.stream(constants).map(c -> ((Enum<?>) c).name()).toList();
        if (node instanceof Scalar s && s.kind() == ScalarKind.STRING) {
            for (Object c : constants) {
                if (((Enum<?>) c).name().equals(s.value())) {
                    return c;
                }
            }
            report(Severity.ERROR, path, node, "unknown value \"" + YamlNode.Diag.abbreviate(s.text())
                    + "\"" + Hints.didYouMean(s.text(), names) + "; expected one of " + String.join(", ", names));
            return null;
        }
        return mismatch(node, path, "one of " + String.join(", ", names));
    }

    private List<Object> bindList(YamlNode node, Type itemType, String path) {
        if (!(node instanceof ListNode list)) {
            mismatch(node, path, "a list");
            return null;
        }
        List<Object> out = new ArrayList<>(list.items().size());
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode itemNode = list.items().get(i);
            String itemPath = path + "[" + i + "]";
            Object item = bind(itemNode, itemType, itemPath);
            if (item == null && isNull(itemNode)) {
                report(Severity.ERROR, itemPath, itemNode, "list item is null; remove it or give it a value");
            }
            // An item that could not be read keeps its place, so that later items keep their indices in diagnostics.
            out.add(item != null ? item : placeholder(itemType));
        }
        return Collections.unmodifiableList(out);
    }

    private Map<Object, Object> bindMap(YamlNode node, Type keyType, Type valueType, String path) {
        if (!(node instanceof MapNode map)) {
            mismatch(node, path, "a map");
            return null;
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Entry e : map.entries().values()) {
            String entryPath = path + "[" + e.key() + "]";
            Object key = e.key();
            if (keyType == Integer.class) {
                try {
                    key = Integer.valueOf(e.key());
                } catch (NumberFormatException ex) {
                    nodes.put(entryPath, e.value());
                    reporter.report(Severity.ERROR, entryPath, e.keyLine(), e.keyColumn(), "key \"" + YamlNode.Diag.abbreviate(e.key())
                            + "\" is not a port number");
                    continue;
                }
            }
            Object value = bind(e.value(), valueType, entryPath);
            if (value == null && isNull(e.value())) {
                report(Severity.ERROR, entryPath, e.value(), "value of \"" + YamlNode.Diag.abbreviate(e.key())
                        + "\" is null; remove the key or give it a value");
            }
            out.put(key, value != null ? value : placeholder(valueType));
        }
        return Collections.unmodifiableMap(out);
    }

    private Object bindRecord(YamlNode node, Class<?> type, String path) {
        if (!(node instanceof MapNode map)) {
            return mismatch(node, path, "a map");
        }
        RecordShape shape = SHAPES.get(type);
        Object[] args = new Object[shape.components.length];
        for (Entry e : map.entries().values()) {
            Integer index = shape.indexByName.get(e.key());
            if (index == null) {
                index = shape.aliasIndex.get(e.key());
            }
            String fieldPath = path.isEmpty() ? e.key() : path + "." + e.key();
            if (index == null) {
                if (!shape.ignored.contains(e.key())) {
                    nodes.put(fieldPath, e.value());
                    reporter.report(Severity.ERROR, fieldPath, e.keyLine(), e.keyColumn(), "unknown field \""
                            + YamlNode.Diag.abbreviate(e.key()) + "\"" + Hints.didYouMean(e.key(), shape.indexByName.keySet())
                            + " in " + shape.displayName);
                }
                continue;
            }
            RecordComponent c = shape.components[index];
            if (args[index] != null) {
                reporter.report(Severity.ERROR, fieldPath, e.keyLine(), e.keyColumn(), "field " + c.getName()
                        + " is set twice (under its name and an alias)");
                continue;
            }
            args[index] = bind(e.value(), c.getGenericType(), fieldPath);
            Unsupported unsupported = c.getAnnotation(Unsupported.class);
            if (unsupported != null && args[index] != null) {
                reporter.report(Severity.WARNING, fieldPath, e.keyLine(), e.keyColumn(), "not supported by InMesh; ignored"
                        + (unsupported.value().isEmpty() ? "" : " (" + unsupported.value() + ")"));
            }
        }
        try {
            return shape.constructor.newInstance(args);
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private static boolean isNull(YamlNode node) {
        return node instanceof Scalar s && s.kind() == ScalarKind.NULL;
    }

    /**
     * A stand-in for a value that could not be read (an error was reported, so the configuration is rejected): an
     * empty record, empty string, zero, false, the first enum constant, an empty list or map.
     */
    static Object placeholder(Type type) {
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return emptyRecord(raw);
        }
        if (raw == List.class) {
            return List.of();
        }
        if (raw == Map.class) {
            return Map.of();
        }
        if (raw.isEnum()) {
            return raw.getEnumConstants()[0];
        }
        if (raw == String.class) {
            return "";
        }
        if (raw == Integer.class) {
            return 0;
        }
        if (raw == Long.class) {
            return 0L;
        }
        if (raw == Double.class) {
            return 0.0;
        }
        if (raw == Boolean.class) {
            return Boolean.FALSE;
        }
        if (raw == Duration.class) {
            return Duration.ZERO;
        }
        throw new IllegalStateException("model type not supported by the binder: " + type);
    }

    /** A record of {@code type} with every component null (absent). */
    public static Object emptyRecord(Class<?> type) {
        RecordShape shape = SHAPES.get(type);
        try {
            return shape.constructor.newInstance(new Object[shape.components.length]);
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private void report(Severity severity, String path, YamlNode at, String message) {
        reporter.report(severity, path, at.line(), at.column(), message);
    }

    private Object mismatch(YamlNode node, String path, String expected) {
        report(Severity.ERROR, path, node, "expected " + expected + ", got " + node.describe());
        return null;
    }

    private static String expectedWord(Class<?> raw) {
        if (raw == String.class) {
            return "a string";
        }
        if (raw == Integer.class || raw == Long.class) {
            return "an integer";
        }
        if (raw == Double.class) {
            return "a number";
        }
        if (raw == Boolean.class) {
            return "true or false";
        }
        if (raw == Duration.class) {
            return "a duration such as 1.5s, 100ms or 2m";
        }
        return "a scalar";
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("model type not supported by the binder: " + type);
    }

    private static Type typeArg(Type type, int i) {
        return ((ParameterizedType) type).getActualTypeArguments()[i];
    }

    /** What the binder needs to know about a record class, computed once per class. */
    private static final class RecordShape {
        final RecordComponent[] components;
        final Map<String, Integer> indexByName = new LinkedHashMap<>();
        final Map<String, Integer> aliasIndex = new HashMap<>();
        final Set<String> ignored;
        final Constructor<?> constructor;
        final String displayName;

        RecordShape(Class<?> type) {
            components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                indexByName.put(components[i].getName(), i);
                types[i] = components[i].getType();
            }
            for (int i = 0; i < components.length; i++) {
                Alias alias = components[i].getAnnotation(Alias.class);
                if (alias != null) {
                    for (String a : alias.value()) {
                        aliasIndex.put(a, i);
                    }
                }
            }
            IgnoredKeys ig = type.getAnnotation(IgnoredKeys.class);
            ignored = ig == null ? Set.of() : Set.of(ig.value());
            try {
                constructor = type.getDeclaredConstructor(types);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
            Class<?> outer = type.getEnclosingClass();
            displayName = outer == null ? type.getSimpleName() : outer.getSimpleName() + "." + type.getSimpleName();
        }
    }

    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            return new RecordShape(type);
        }
    };
}

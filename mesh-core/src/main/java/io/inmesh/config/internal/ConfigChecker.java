package io.inmesh.config.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.internal.validation.Validator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and checks sets of files, remembering each file's bytes, resources and per-resource diagnostics so that
 * the next set re-reads only the files whose name or bytes changed; the checks across resources always run over
 * the whole set. Not thread-safe: one caller at a time (the holder serialises its updates).
 */
public final class ConfigChecker {

    /** The loaded resources with their positions, and all diagnostics sorted by file order and position. */
    public record Result(List<LoadedResource> resources, List<Diagnostic> diagnostics) {
        public boolean valid() {
            return diagnostics.stream().noneMatch(Diagnostic::isError);
        }
    }

    /** A file as last read and checked on its own. */
    private record CheckedFile(byte[] content, List<LoadedResource> resources, List<Diagnostic> diagnostics) {
    }

    private final ConfigOptions options;
    private final Validator validator;
    private final Map<String, CheckedFile> cache = new HashMap<>();

    public ConfigChecker(ConfigOptions options) {
        this.options = options;
        this.validator = new Validator(options);
    }

    public ConfigOptions options() {
        return options;
    }

    /** Reads and checks {@code files} as one set; the cache then holds exactly these files. */
    public Result check(List<ConfigFile> files) {
        List<LoadedResource> resources = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<String, CheckedFile> next = new HashMap<>();
        for (ConfigFile f : files) {
            CheckedFile checked = cache.get(f.name());
            if (checked == null || !Arrays.equals(checked.content(), f.content())) {
                ResourceReader.FileContent content = ResourceReader.read(f.name(), f.content(),
                        options.defaultNamespace());
                List<Diagnostic> fileDiagnostics = new ArrayList<>(content.diagnostics());
                for (LoadedResource lr : content.resources()) {
                    fileDiagnostics.addAll(validator.validateResource(lr));
                }
                checked = new CheckedFile(f.content(), content.resources(), List.copyOf(fileDiagnostics));
            }
            // The cache keeps slim copies: bytes and records, positions re-read only if a later check needs them.
            List<LoadedResource> slim = checked.resources();
            if (!slim.isEmpty()) {
                LoadedResource.Reread reread = slim.get(0).reread();
                slim = slim.stream().map(lr -> lr.slim(reread)).toList();
            }
            next.put(f.name(), new CheckedFile(checked.content(), slim, checked.diagnostics()));
            resources.addAll(checked.resources());
            diagnostics.addAll(checked.diagnostics());
        }
        cache.clear();
        cache.putAll(next);
        diagnostics.addAll(validator.validateSet(resources));
        // File order as given, then position: checks across resources land beside the lines they are about.
        Map<String, Integer> order = new HashMap<>();
        for (ConfigFile f : files) {
            order.putIfAbsent(f.name(), order.size());
        }
        diagnostics.sort(Comparator
                .comparingInt((Diagnostic d) -> order.getOrDefault(d.file(), Integer.MAX_VALUE))
                .thenComparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
        return new Result(List.copyOf(resources), List.copyOf(diagnostics));
    }
}

package io.inmesh.config;

import io.inmesh.config.internal.LoadedResource;
import io.inmesh.config.internal.ResourceReader;
import io.inmesh.config.internal.validation.Validator;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and validates configuration files: YAML safety, the resource model (unknown fields, types), Istio's
 * validation rules for each kind and cross-resource checks. All problems are reported, not the first.
 * Thread-safe and stateless.
 */
public final class ConfigValidator {

    private final ConfigOptions options;

    private ConfigValidator(ConfigOptions options) {
        this.options = options;
    }

    public static ConfigValidator create() {
        return new ConfigValidator(ConfigOptions.DEFAULTS);
    }

    public static ConfigValidator create(ConfigOptions options) {
        return new ConfigValidator(options);
    }

    public ConfigOptions options() {
        return options;
    }

    /** Reads and validates {@code files} as one set of resources. */
    public ValidationReport validate(List<ConfigFile> files) {
        Result r = check(files);
        return new ValidationReport(r.resources().stream().map(LoadedResource::resource).toList(), r.diagnostics());
    }

    /** The loaded resources with their positions, and all diagnostics; for the compiler and the holder. */
    public record Result(List<LoadedResource> resources, List<Diagnostic> diagnostics) {
        public boolean valid() {
            return diagnostics.stream().noneMatch(Diagnostic::isError);
        }
    }

    /** As {@link #validate}, keeping what the compiler needs. Not part of the stable API. */
    public Result check(List<ConfigFile> files) {
        return check(files, new java.util.HashMap<>());
    }

    /** A file as last read and checked on its own: its bytes, resources and per-resource diagnostics. */
    public record CheckedFile(byte[] content, List<LoadedResource> resources, List<Diagnostic> diagnostics) {
    }

    /**
     * As {@link #check(List)}, reusing {@code cache} for files whose name and bytes are unchanged since the last
     * call: only changed files are parsed and checked again, then the checks across resources run over all. The
     * cache is updated to hold exactly {@code files}. Not thread-safe: one caller at a time per cache.
     */
    public Result check(List<ConfigFile> files, java.util.Map<String, CheckedFile> cache) {
        Validator validator = new Validator(options);
        List<LoadedResource> resources = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        java.util.Map<String, CheckedFile> next = new java.util.HashMap<>();
        for (ConfigFile f : files) {
            CheckedFile checked = cache.get(f.name());
            if (checked == null || !java.util.Arrays.equals(checked.content(), f.content())) {
                ResourceReader.FileContent content = ResourceReader.read(f.name(), f.content(),
                        options.defaultNamespace());
                List<Diagnostic> fileDiagnostics = new ArrayList<>(content.diagnostics());
                for (LoadedResource lr : content.resources()) {
                    fileDiagnostics.addAll(validator.validateResource(lr));
                }
                checked = new CheckedFile(f.content(), content.resources(), List.copyOf(fileDiagnostics));
            }
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
        java.util.Map<String, Integer> order = new java.util.HashMap<>();
        for (ConfigFile f : files) {
            order.putIfAbsent(f.name(), order.size());
        }
        diagnostics.sort(java.util.Comparator
                .comparingInt((Diagnostic d) -> order.getOrDefault(d.file(), Integer.MAX_VALUE))
                .thenComparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
        return new Result(List.copyOf(resources), List.copyOf(diagnostics));
    }
}

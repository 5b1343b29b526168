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
        List<LoadedResource> resources = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        for (ConfigFile f : files) {
            ResourceReader.FileContent content = ResourceReader.read(f.name(), f.content(),
                    options.defaultNamespace());
            resources.addAll(content.resources());
            diagnostics.addAll(content.diagnostics());
        }
        diagnostics.addAll(new Validator(options).validate(resources));
        return new Result(List.copyOf(resources), List.copyOf(diagnostics));
    }
}

package io.inmesh.config;

import io.inmesh.config.internal.ConfigChecker;
import io.inmesh.config.internal.LoadedResource;
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

    /** A validator with Istio's defaults ({@link ConfigOptions#DEFAULTS}). */
    public static ConfigValidator create() {
        return new ConfigValidator(ConfigOptions.DEFAULTS);
    }

    /** A validator reading resources with {@code options}. */
    public static ConfigValidator create(ConfigOptions options) {
        return new ConfigValidator(options);
    }

    /** The options resources are read with. */
    public ConfigOptions options() {
        return options;
    }

    /** Reads and validates {@code files} as one set of resources. */
    public ValidationReport validate(List<ConfigFile> files) {
        ConfigChecker.Result r = new ConfigChecker(options).check(files);
        return new ValidationReport(r.resources().stream().map(LoadedResource::resource).toList(), r.diagnostics());
    }
}

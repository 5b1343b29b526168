package io.inmesh.config.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.internal.validation.Validator;
import io.inmesh.config.internal.yaml.YamlTreeReader;
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

    /**
     * A file as last read and checked on its own: its bytes, the results of each of its documents (their resources
     * slim), and the file's resources (slim) and diagnostics.
     */
    private record CheckedFile(byte[] content, LoadedResource.Reread reread,
                               Map<YamlTreeReader.DocumentText, ResourceReader.DocumentContent> documents,
                               List<LoadedResource> resources, List<Diagnostic> diagnostics) {

        /** For the cache: resources without positions, which are read again through the file's bytes if needed. */
        CheckedFile slim() {
            return new CheckedFile(content, reread, documents,
                    resources.stream().map(lr -> lr.slim(reread)).toList(), diagnostics);
        }
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
                // Read now: the resources keep their positions for this check's rules across resources.
                checked = checkFile(f, checked == null ? Map.of() : checked.documents());
                next.put(f.name(), checked.slim());
            } else {
                next.put(f.name(), checked);
            }
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

    /**
     * Reads and checks one changed file document by document, reusing the results of documents whose text and first
     * line are unchanged (an edit to one resource of a long file re-reads that resource only).
     */
    private CheckedFile checkFile(ConfigFile f, Map<YamlTreeReader.DocumentText, ResourceReader.DocumentContent> before) {
        LoadedResource.Reread reread = new LoadedResource.Reread(f.name(), f.content(), options.defaultNamespace());
        Map<YamlTreeReader.DocumentText, ResourceReader.DocumentContent> documents = new HashMap<>();
        ResourceReader.FileContent content;
        YamlTreeReader.Decoded decoded = YamlTreeReader.decode(f.content());
        if (decoded.problem() != null) {
            content = new ResourceReader.FileContent(List.of(), List.of(ResourceReader.problem(f.name(),
                    decoded.problem())));
        } else {
            List<YamlTreeReader.DocumentText> texts = YamlTreeReader.documents(decoded.text());
            if (texts.size() > YamlTreeReader.MAX_DOCUMENTS) {
                content = ResourceReader.tooManyDocuments(f.name());
            } else {
                List<ResourceReader.DocumentContent> parts = new ArrayList<>(texts.size());
                for (YamlTreeReader.DocumentText text : texts) {
                    ResourceReader.DocumentContent part = before.get(text);
                    if (part == null) {
                        ResourceReader.DocumentContent read = ResourceReader.readDocuments(f.name(), text,
                                options.defaultNamespace());
                        List<Diagnostic> diags = new ArrayList<>(read.diagnostics());
                        for (LoadedResource lr : read.resources()) {
                            diags.addAll(validator.validateResource(lr));
                        }
                        part = new ResourceReader.DocumentContent(read.resources(), List.copyOf(diags));
                    }
                    parts.add(part);
                    documents.put(text, new ResourceReader.DocumentContent(
                            part.resources().stream().map(lr -> lr.slim(null)).toList(), part.diagnostics()));
                }
                content = ResourceReader.assemble(f.name(), f.content(), parts, reread);
            }
        }
        return new CheckedFile(f.content(), reread, documents, content.resources(), content.diagnostics());
    }
}

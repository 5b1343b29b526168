package io.inmesh.config.internal;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.DestinationRule;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshResource;
import io.inmesh.config.ObjectMeta;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.config.ServiceEntry;
import io.inmesh.config.Severity;
import io.inmesh.config.VirtualService;
import io.inmesh.config.WorkloadEntry;
import io.inmesh.config.internal.bind.Binder;
import io.inmesh.config.internal.yaml.YamlNode;
import io.inmesh.config.internal.yaml.YamlNode.MapNode;
import io.inmesh.config.internal.yaml.YamlNode.Scalar;
import io.inmesh.config.internal.yaml.YamlTreeReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns the bytes of one file into resources and diagnostics. Never throws for bad input. */
public final class ResourceReader {

    /** Top-level keys of a Kubernetes object besides apiVersion, kind, metadata and spec. */
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    /** A kind InMesh reads: its record class, API group and accepted versions. */
    record KindInfo(String kind, Class<? extends MeshResource> type, String group, List<String> versions) {
        Class<?> specType() {
            return type.getRecordComponents()[2].getType();
        }
    }

    static final Map<String, KindInfo> KINDS = new LinkedHashMap<>();

    static {
        List<String> networking = List.of("v1", "v1beta1", "v1alpha3");
        List<String> security = List.of("v1", "v1beta1");
        register(VirtualService.class, "networking.istio.io", networking);
        register(DestinationRule.class, "networking.istio.io", networking);
        register(ServiceEntry.class, "networking.istio.io", networking);
        register(WorkloadEntry.class, "networking.istio.io", networking);
        register(PeerAuthentication.class, "security.istio.io", security);
        register(AuthorizationPolicy.class, "security.istio.io", security);
        register(RequestAuthentication.class, "security.istio.io", security);
        register(LocalRateLimit.class, "inmesh.io", List.of("v1alpha1"));
    }

    private static void register(Class<? extends MeshResource> type, String group, List<String> versions) {
        KINDS.put(type.getSimpleName(), new KindInfo(type.getSimpleName(), type, group, versions));
    }

    /** What one file held. */
    public record FileContent(List<LoadedResource> resources, List<Diagnostic> diagnostics) {
        public boolean hasErrors() {
            return diagnostics.stream().anyMatch(Diagnostic::isError);
        }
    }

    /** Most diagnostics reported for one file before reading stops. */
    static final int MAX_DIAGNOSTICS = 1000;

    private ResourceReader() {
    }

    /** Reads one file's bytes. */
    public static FileContent read(String file, byte[] bytes, String defaultNamespace) {
        YamlTreeReader.Decoded decoded = YamlTreeReader.decode(bytes);
        if (decoded.problem() != null) {
            return new FileContent(List.of(), List.of(problem(file, decoded.problem())));
        }
        List<YamlTreeReader.DocumentText> documents = YamlTreeReader.documents(decoded.text());
        if (documents.size() > YamlTreeReader.MAX_DOCUMENTS) {
            return tooManyDocuments(file);
        }
        List<DocumentContent> parts = new ArrayList<>(documents.size());
        for (YamlTreeReader.DocumentText d : documents) {
            parts.add(readDocuments(file, d, defaultNamespace));
        }
        return assemble(file, bytes, parts, null);
    }

    static FileContent tooManyDocuments(String file) {
        return new FileContent(List.of(), List.of(new Diagnostic(Severity.ERROR, file, 1, 1, null, null, null, null,
                "more than " + YamlTreeReader.MAX_DOCUMENTS + " documents in one file")));
    }

    static Diagnostic problem(String file, YamlTreeReader.Problem p) {
        return new Diagnostic(Severity.ERROR, file, p.line(), p.column(), null, null, null, null, p.message());
    }

    /**
     * What one document text holds (usually one document; a whole stream when it could not be cut). Its resources
     * are not placed in their file yet: {@link #assemble} does that.
     */
    public record DocumentContent(List<LoadedResource> resources, List<Diagnostic> diagnostics) {
    }

    /** Reads the documents of one document text, with positions in the whole file. */
    public static DocumentContent readDocuments(String file, YamlTreeReader.DocumentText text,
                                                String defaultNamespace) {
        List<Diagnostic> diags = new ArrayList<>();
        List<LoadedResource> resources = new ArrayList<>();
        YamlTreeReader.Result yaml = YamlTreeReader.read(text.text(), text.firstLine() - 1);
        for (YamlTreeReader.Problem p : yaml.problems()) {
            diags.add(problem(file, p));
        }
        for (YamlTreeReader.Document doc : yaml.documents()) {
            LoadedResource r = readDocument(file, doc.root(), defaultNamespace, diags);
            if (r != null) {
                resources.add(r);
            }
        }
        return new DocumentContent(List.copyOf(resources), List.copyOf(diags));
    }

    /**
     * Places the documents' resources in their file, in order ({@code reread} serves the slim ones among them), and
     * stops once the file has more than {@link #MAX_DIAGNOSTICS} diagnostics.
     */
    public static FileContent assemble(String file, byte[] bytes, List<DocumentContent> parts,
                                       LoadedResource.Reread reread) {
        List<Diagnostic> diags = new ArrayList<>();
        List<LoadedResource> resources = new ArrayList<>();
        for (DocumentContent part : parts) {
            for (LoadedResource r : part.resources()) {
                resources.add(r.relocated(bytes, resources.size(), reread));
            }
            diags.addAll(part.diagnostics());
            if (diags.size() > MAX_DIAGNOSTICS) {
                int line = diags.get(MAX_DIAGNOSTICS).line();
                diags.subList(MAX_DIAGNOSTICS, diags.size()).clear();
                diags.add(new Diagnostic(Severity.ERROR, file, line, 1, null, null, null, null,
                        "more than " + MAX_DIAGNOSTICS + " problems in this file; stopped reading at line " + line));
                break;
            }
        }
        return new FileContent(List.copyOf(resources), List.copyOf(diags));
    }

    /** One document's resource, not yet placed in its file (no bytes, no index: {@link #assemble} adds them). */
    private static LoadedResource readDocument(String file, YamlNode root, String defaultNamespace,
                                               List<Diagnostic> diags) {
        if (root instanceof Scalar s && (s.kind() == YamlNode.ScalarKind.NULL
                || (s.kind() == YamlNode.ScalarKind.STRING && s.text().isEmpty()))) {
            return null; // an empty document, as between two `---`
        }
        if (!(root instanceof MapNode map)) {
            diags.add(new Diagnostic(Severity.ERROR, file, root.line(), root.column(), null, null, null, null,
                    "expected a Kubernetes resource (a map with apiVersion and kind), got " + root.describe()));
            return null;
        }
        String kind = scalarText(map.get("kind"));
        String apiVersion = scalarText(map.get("apiVersion"));
        if (kind == null || apiVersion == null) {
            diags.add(new Diagnostic(Severity.ERROR, file, root.line(), root.column(), null, null, null, null,
                    "document has no " + (kind == null ? "kind" : "apiVersion")
                            + ": every resource needs apiVersion and kind"));
            return null;
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.lastIndexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.lastIndexOf('/') + 1);
        KindInfo info = KINDS.get(kind);
        String docName = metadataName(map);
        if (info == null || !info.group().equals(group)) {
            diags.add(new Diagnostic(Severity.INFO, file, root.line(), root.column(), kind, null, docName, null,
                    "skipped: InMesh does not read " + kind + " (" + apiVersion + ")"));
            return null;
        }
        YamlNode avNode = map.get("apiVersion");
        if (!info.versions().contains(version)) {
            diags.add(new Diagnostic(Severity.ERROR, file, avNode.line(), avNode.column(), kind, null, docName,
                    "apiVersion", "version \"" + version + "\" of " + group + " is not accepted for " + kind
                    + "; expected one of " + String.join(", ", info.versions().stream().map(v -> group + "/" + v)
                    .toList())));
            return null;
        }

        // Bind metadata first, so that every later diagnostic names the resource.
        List<Diagnostic> local = new ArrayList<>();
        String[] identity = {null, docName};
        Binder binder = new Binder((severity, path, line, column, message) -> local.add(new Diagnostic(severity,
                file, line, column, kind, identity[0], identity[1], path, message)));
        ObjectMeta meta = (ObjectMeta) binder.bind(map.get("metadata"), ObjectMeta.class, "metadata");
        String namespace = meta == null || meta.namespace() == null || meta.namespace().isEmpty()
                ? defaultNamespace : meta.namespace();
        identity[0] = namespace;
        if (meta == null || meta.name() == null || meta.name().isEmpty()) {
            YamlNode at = map.get("metadata") == null ? root : map.get("metadata");
            local.add(new Diagnostic(Severity.ERROR, file, at.line(), at.column(), kind, namespace, null,
                    "metadata.name", "missing: every resource needs a name"));
        }
        meta = new ObjectMeta(meta == null ? null : meta.name(), namespace, meta == null ? null : meta.labels(),
                meta == null ? null : meta.annotations());
        for (YamlNode.Entry e : map.entries().values()) {
            if (!TOP_LEVEL.contains(e.key())) {
                local.add(new Diagnostic(Severity.ERROR, file, e.keyLine(), e.keyColumn(), kind, namespace,
                        meta.name(), e.key(), "unknown top-level field \"" + YamlNode.Diag.abbreviate(e.key()) + "\""
                        + io.inmesh.config.internal.bind.Hints.didYouMean(e.key(), TOP_LEVEL)));
            }
        }
        YamlNode specNode = map.get("spec");
        Object spec = binder.bind(specNode, info.specType(), "spec");
        if (spec == null) {
            // An absent or empty spec is an empty spec (AuthorizationPolicy `spec: {}` means "deny all"); a spec
            // that is not a map was reported by the binder, and rules about its fields are not repeated.
            spec = Binder.emptyRecord(info.specType());
        }
        diags.addAll(local);
        MeshResource resource = construct(info.type(), apiVersion, meta, spec);
        // What the resource says, layout ignored: kind, apiVersion, name, namespace, labels, annotations and spec
        // (not Kubernetes bookkeeping such as resourceVersion, which changes without the content changing).
        YamlNode metaNode = map.get("metadata");
        YamlNode labels = metaNode instanceof MapNode mm ? mm.get("labels") : null;
        YamlNode annotations = metaNode instanceof MapNode mm ? mm.get("annotations") : null;
        String canonical = kind + " " + apiVersion + " " + namespace + "/" + meta.name()
                + " labels=" + (labels == null ? "" : Canonical.of(labels))
                + " annotations=" + (annotations == null ? "" : Canonical.of(annotations))
                + " spec=" + (specNode == null ? "" : Canonical.of(specNode));
        String hash = Canonical.sha256(canonical);
        java.util.Set<String> bindErrors = new java.util.HashSet<>();
        for (Diagnostic d : local) {
            if (d.isError() && d.field() != null) {
                bindErrors.add(d.field());
            }
        }
        return new LoadedResource(resource, file, null, -1, defaultNamespace, hash,
                java.util.Set.copyOf(bindErrors), root, Map.copyOf(binder.nodes()));
    }

    private static String metadataName(MapNode map) {
        if (map.get("metadata") instanceof MapNode m && m.get("name") instanceof Scalar s
                && s.kind() == YamlNode.ScalarKind.STRING) {
            return (String) s.value();
        }
        return null;
    }

    private static String scalarText(YamlNode n) {
        return n instanceof Scalar s && s.kind() == YamlNode.ScalarKind.STRING ? (String) s.value() : null;
    }

    private static MeshResource construct(Class<? extends MeshResource> type, String apiVersion, ObjectMeta meta,
                                          Object spec) {
        try {
            Constructor<? extends MeshResource> c = type.getDeclaredConstructor(String.class, ObjectMeta.class,
                    type.getRecordComponents()[2].getType());
            return c.newInstance(apiVersion, meta, spec);
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.InvalidConfigException;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.config.source.ConfigSources;
import io.inmesh.security.CertificateSource;
import io.inmesh.spring.MeshProperties;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.Propagation;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the mesh and its telemetry from {@link MeshProperties}. */
public final class MeshFactory {
    private MeshFactory() {
    }

    /**
     * The telemetry settings.
     *
     * @param openTelemetry the application's OpenTelemetry, or null for {@code GlobalOpenTelemetry}
     * @param registry      the registry for Istio's metrics, or null for none
     */
    public static MeshTelemetry telemetry(MeshProperties properties, OpenTelemetry openTelemetry,
                                          MeterRegistry registry) {
        MeshProperties.Tracing tracing = properties.tracing();
        MeshTelemetry.Builder b = MeshTelemetry.builder()
                .tracing(tracing.enabled())
                .samplingPercent(tracing.samplingPercent())
                .propagation(tracing.propagation().toArray(new Propagation[0]))
                .accessLog(properties.accessLog().format());
        if (openTelemetry != null) {
            b.openTelemetry(openTelemetry);
        }
        if (registry != null) {
            b.meterRegistry(registry);
        }
        return b.build();
    }

    /**
     * The workload: namespace and service account from {@code mesh.*}, else {@code @MeshService}, else
     * {@code default}; labels {@code @MeshService}'s app and version, then {@code mesh.labels} on top, with
     * {@code app} from the application's name when neither gives one.
     */
    public static Workload workload(MeshProperties properties, String applicationName, DeclaredWorkload declared) {
        String namespace = properties.namespace() != null ? properties.namespace()
                : declared.namespace() != null ? declared.namespace() : "default";
        String serviceAccount = properties.serviceAccount() != null ? properties.serviceAccount()
                : declared.serviceAccount() != null ? declared.serviceAccount()
                : declared.name() != null ? declared.name() : "default";
        return new Workload(namespace, serviceAccount, labels(Map.of(), properties, applicationName, declared));
    }

    /**
     * A workload's labels: {@code @MeshService}'s app and version, then {@code base} (a pod's labels), then
     * {@code mesh.labels}; {@code app} from the application's name when none of them gives one.
     */
    public static Map<String, String> labels(Map<String, String> base, MeshProperties properties,
                                             String applicationName, DeclaredWorkload declared) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (declared.name() != null) {
            labels.put("app", declared.name());
        }
        if (declared.version() != null) {
            labels.put("version", declared.version());
        }
        labels.putAll(base);
        labels.putAll(properties.labels());
        if (!labels.containsKey("app") && applicationName != null && !applicationName.isBlank()) {
            labels.put("app", applicationName);
        }
        return labels;
    }

    /** The workload the mesh runs as: the pod's when an integration found one, else {@link #workload}. */
    public static Workload effectiveWorkload(MeshProperties properties, String applicationName,
                                             DeclaredWorkload declared, MeshExtras extras) {
        return extras != null && extras.workload() != null ? extras.workload()
                : workload(properties, applicationName, declared);
    }

    /**
     * The mesh, its configuration read from {@code mesh.config.locations} and the sources of {@code extras}
     * (watched), or empty when there are none; with mutual TLS when {@code certificates} is not null.
     *
     * @throws IllegalStateException naming the property when a location does not exist or the configuration has
     *                               errors (the message lists them, file:line:column)
     */
    public static Mesh mesh(MeshProperties properties, MeshTelemetry telemetry, Workload workload,
                            MeshExtras extras, CertificateSource certificates) {
        Mesh.Builder b = Mesh.builder()
                .workload(workload)
                .trustDomain(properties.trustDomain())
                .telemetry(telemetry);
        if (certificates != null) {
            String certificateDomain = certificates.current().spiffeId().trustDomain();
            if (!certificateDomain.equals(properties.trustDomain())) {
                throw new MeshStartupException("the workload certificate's identity "
                        + certificates.current().spiffeId() + " is not in the mesh's trust domain "
                        + properties.trustDomain() + " (mesh.trust-domain)", "Set mesh.trust-domain="
                        + certificateDomain + ", or use certificates issued for " + properties.trustDomain() + ".",
                        null);
            }
            b.certificates(certificates);
        }
        if (extras != null && extras.registry() != null) {
            b.endpointRegistry(extras.registry());
        }
        List<Path> locations = properties.config().locations();
        List<ConfigSource> extraSources = extras == null ? List.of() : extras.sources();
        List<ConfigSource> sources = new ArrayList<>(extraSources);
        if (locations.isEmpty() && extraSources.isEmpty()) {
            b.configFiles(List.of());
        } else {
            for (Path p : locations) {
                try {
                    sources.add(ConfigSources.detect(p));
                } catch (NoSuchFileException e) {
                    sources.forEach(ConfigSource::close);
                    throw new MeshStartupException("mesh.config.locations: " + p + " does not exist (expected a"
                            + " file, a directory or a mounted ConfigMap)", "Fix the path or remove it.", e);
                }
            }
            b.config(sources.size() == 1 ? sources.get(0) : new CompositeConfigSource(sources));
        }
        boolean built = false;
        try {
            Mesh mesh = b.build();
            built = true;
            return mesh;
        } catch (InvalidConfigException e) {
            throw new MeshStartupException(where(locations, extraSources) + ": the mesh configuration is"
                    + " invalid:\n" + e.getMessage(), "Fix these and restart (mesh validate PATH shows the same"
                    + " diagnostics without starting the application). Once running, the mesh keeps the last good"
                    + " configuration when a change is invalid; at start-up there is none to keep.", e);
        } catch (IOException e) {
            throw new MeshStartupException(where(locations, extraSources) + ": cannot read the mesh"
                    + " configuration: " + e.getMessage(), "Check that the files are readable by this process.", e);
        } finally {
            if (!built) {
                sources.forEach(ConfigSource::close); // no watcher thread outlives a failed start (idempotent)
            }
        }
    }

    /** The settings the configuration came from, for error messages. */
    private static String where(List<Path> locations, List<ConfigSource> extra) {
        StringBuilder b = new StringBuilder();
        if (!locations.isEmpty()) {
            b.append("mesh.config.locations ").append(locations);
        }
        for (ConfigSource s : extra) {
            b.append(b.length() > 0 ? ", " : "").append(s.description());
        }
        if (!extra.isEmpty()) {
            b.append(" (mesh.kubernetes.*)");
        }
        return b.toString();
    }
}

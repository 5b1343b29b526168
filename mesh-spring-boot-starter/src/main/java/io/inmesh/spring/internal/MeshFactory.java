package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.InvalidConfigException;
import io.inmesh.config.source.ConfigSource;
import io.inmesh.config.source.ConfigSources;
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

    /** The workload: {@code mesh.labels}, with {@code app} from the application's name when the labels lack one. */
    public static Workload workload(MeshProperties properties, String applicationName) {
        Map<String, String> labels = new LinkedHashMap<>(properties.labels());
        if (!labels.containsKey("app") && applicationName != null && !applicationName.isBlank()) {
            labels.put("app", applicationName);
        }
        return new Workload(properties.namespace(), properties.serviceAccount(), labels);
    }

    /**
     * The mesh, its configuration read from {@code mesh.config.locations} (watched) or empty when none is given.
     *
     * @throws IllegalStateException naming the property when a location does not exist or the configuration has
     *                               errors (the message lists them, file:line:column)
     */
    public static Mesh mesh(MeshProperties properties, MeshTelemetry telemetry, String applicationName) {
        return mesh(properties, telemetry, applicationName, null);
    }

    /** As {@link #mesh(MeshProperties, MeshTelemetry, String)}, with what an integration adds ({@code extras}). */
    public static Mesh mesh(MeshProperties properties, MeshTelemetry telemetry, String applicationName,
                            MeshExtras extras) {
        Mesh.Builder b = Mesh.builder()
                .workload(extras != null && extras.workload() != null ? extras.workload()
                        : workload(properties, applicationName))
                .telemetry(telemetry);
        if (extras != null && extras.registry() != null) {
            b.endpointRegistry(extras.registry());
        }
        List<Path> locations = properties.config().locations();
        List<ConfigSource> extraSources = extras == null ? List.of() : extras.sources();
        if (locations.isEmpty() && extraSources.isEmpty()) {
            b.configFiles(List.of());
        } else {
            List<ConfigSource> sources = new ArrayList<>(extraSources);
            for (Path p : locations) {
                try {
                    sources.add(ConfigSources.detect(p));
                } catch (NoSuchFileException e) {
                    sources.forEach(ConfigSource::close);
                    throw new IllegalStateException("mesh.config.locations: " + p + " does not exist (expected a"
                            + " file, a directory or a mounted ConfigMap); fix the path or remove it", e);
                }
            }
            b.config(sources.size() == 1 ? sources.get(0) : new CompositeConfigSource(sources));
        }
        try {
            return b.build();
        } catch (InvalidConfigException e) {
            throw new IllegalStateException(where(locations, extraSources) + ": the mesh configuration is"
                    + " invalid, fix these and restart:\n" + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException(where(locations, extraSources) + ": cannot read the mesh"
                    + " configuration: " + e.getMessage(), e);
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

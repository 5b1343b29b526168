package io.inmesh.spring.internal;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.ConfigSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Several configuration sources read as one set ({@code mesh.config.locations} with more than one entry): a read
 * returns the files of all of them, sorted by name (their paths, so distinct); a change in any one is a change. When
 * one of them fails to read, the whole read fails, so the mesh keeps its last good configuration rather than
 * swapping in a partial set.
 */
public final class CompositeConfigSource implements ConfigSource {
    private final List<ConfigSource> sources;

    public CompositeConfigSource(List<ConfigSource> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no configuration sources");
        }
        this.sources = List.copyOf(sources);
    }

    @Override
    public String description() {
        return sources.stream().map(ConfigSource::description).collect(Collectors.joining(", "));
    }

    @Override
    public List<ConfigFile> read() throws IOException {
        List<ConfigFile> all = new ArrayList<>();
        for (ConfigSource s : sources) {
            all.addAll(s.read());
        }
        all.sort(Comparator.comparing(ConfigFile::name));
        return all;
    }

    @Override
    public void watch(Runnable onChange) {
        for (ConfigSource s : sources) {
            s.watch(onChange);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (ConfigSource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

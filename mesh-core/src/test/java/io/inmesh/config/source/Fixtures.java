package io.inmesh.config.source;

import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

final class Fixtures {
    /** Events only: polling so slow it never runs during a test. */
    static final WatchOptions EVENTS_ONLY = WatchOptions.builder().pollInterval(Duration.ofHours(1)).build();

    private Fixtures() {
    }

    static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20));
    }

    static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** name -> content, in read order. */
    static Map<String, String> contents(List<ConfigFile> files) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ConfigFile f : files) {
            out.put(f.name(), new String(f.content(), StandardCharsets.UTF_8));
        }
        return out;
    }

    static Map<String, String> contents(ConfigSource source) {
        try {
            return contents(source.read());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

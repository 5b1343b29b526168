package io.inmesh.config;

import java.util.Objects;

/**
 * The raw content of one configuration file, as a source read it.
 *
 * @param name    what diagnostics call the file: its path (for a ConfigMap volume, the mount path and key)
 * @param content the bytes, expected to be UTF-8 YAML
 */
public record ConfigFile(String name, byte[] content) {
    /** Copies {@code content}: the holder keeps it to tell unchanged files, so later writes must not reach it. */
    public ConfigFile {
        Objects.requireNonNull(name, "name");
        content = Objects.requireNonNull(content, "content").clone();
    }

    /** The bytes. Do not modify the array returned. */
    @Override
    public byte[] content() {
        return content;
    }
}

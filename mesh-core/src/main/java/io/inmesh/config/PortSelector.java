package io.inmesh.config;

/** A port by number. */
public record PortSelector(Integer number) {
}

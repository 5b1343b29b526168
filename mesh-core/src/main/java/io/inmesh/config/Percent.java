package io.inmesh.config;

/** A percentage, 0 to 100, fractions allowed. */
public record Percent(Double value) {
}

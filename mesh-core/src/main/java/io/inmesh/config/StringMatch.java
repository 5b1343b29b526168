package io.inmesh.config;

/** Istio's StringMatch: exactly one of {@code exact}, {@code prefix} or {@code regex} (RE2, full match). */
public record StringMatch(String exact, String prefix, String regex) {
}

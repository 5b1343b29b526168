package io.inmesh.config;

/** A Gateway API style reference ({@code targetRef}); parsed, not acted on in-process. */
public record PolicyTargetReference(String group, String kind, String name, String namespace) {
}

package io.inmesh.config;

import java.util.Map;

/** Selects workloads by their labels; all must match. */
public record WorkloadSelector(Map<String, String> matchLabels) {
}

package io.inmesh.config;

import java.util.Objects;

/**
 * How resources are read: the namespace of resources that name none, the cluster domain that completes short
 * host names ({@code reviews} in {@code default} is {@code reviews.default.svc.cluster.local}), and the root
 * namespace whose policies apply mesh-wide.
 */
public record ConfigOptions(String defaultNamespace, String clusterDomain, String rootNamespace) {

    /** {@code default}, {@code cluster.local}, {@code istio-system}: Istio's defaults. */
    public static final ConfigOptions DEFAULTS = new ConfigOptions("default", "cluster.local", "istio-system");

    public ConfigOptions {
        Objects.requireNonNull(defaultNamespace, "defaultNamespace");
        Objects.requireNonNull(clusterDomain, "clusterDomain");
        Objects.requireNonNull(rootNamespace, "rootNamespace");
    }
}

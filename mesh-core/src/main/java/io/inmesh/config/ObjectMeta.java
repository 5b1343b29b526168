package io.inmesh.config;

import io.inmesh.config.internal.bind.IgnoredKeys;
import java.util.Map;

/** The part of Kubernetes object metadata that InMesh reads; bookkeeping fields are accepted and ignored. */
@IgnoredKeys({"uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "ownerReferences", "finalizers", "generateName", "selfLink"})
public record ObjectMeta(String name, String namespace, Map<String, String> labels,
                         Map<String, String> annotations) {
}

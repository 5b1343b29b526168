package io.inmesh.spring.internal.client;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Spring Boot's start-up failure report for a {@code @MeshClient} that cannot be served: description and action. */
public final class MeshClientFailureAnalyzer extends AbstractFailureAnalyzer<MeshClientException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MeshClientException cause) {
        return new FailureAnalysis(cause.description(), cause.action(), cause);
    }
}

package io.inmesh.spring.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Spring Boot's start-up failure report for a {@link MeshStartupException}: description and action. */
public final class MeshStartupFailureAnalyzer extends AbstractFailureAnalyzer<MeshStartupException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MeshStartupException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}

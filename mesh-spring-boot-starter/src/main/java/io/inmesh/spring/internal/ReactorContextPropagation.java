package io.inmesh.spring.internal;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Hooks;
import reactor.util.context.ContextView;

/**
 * What the reactive filter does with Micrometer's context-propagation library when it is on the classpath (an
 * optional dependency: every method checks {@link #AVAILABLE} first, and this class's other members are loaded
 * only then).
 */
public final class ReactorContextPropagation {
    /** True when io.micrometer:context-propagation is on the classpath. */
    public static final boolean AVAILABLE =
            ClassUtils.isPresent("io.micrometer.context.ThreadLocalAccessor", ReactorContextPropagation.class.getClassLoader());

    /** Micrometer Observation's key ({@code ObservationThreadLocalAccessor.KEY}), where Spring puts its observation. */
    static final String OBSERVATION_KEY = "micrometer.observation";

    private ReactorContextPropagation() {
    }

    /** Registers {@link OtelContextAccessor} with context-propagation's global registry (again: replaces it). */
    public static void registerAccessor() {
        if (AVAILABLE) {
            Support.register();
        }
    }

    /**
     * Turns on Reactor's automatic context propagation ({@code Hooks.enableAutomaticContextPropagation()}), as
     * Spring Boot's {@code spring.reactor.context-propagation=auto} does. Returns false when context-propagation is
     * not on the classpath.
     */
    public static boolean enableAutomaticPropagation() {
        if (!AVAILABLE) {
            return false;
        }
        Support.register();
        Hooks.enableAutomaticContextPropagation();
        return true;
    }

    /**
     * The OpenTelemetry context of the observation Spring started for this request (Micrometer Tracing's server span
     * current in it), read by opening the observation found in the Reactor context for a moment; null when there is
     * none, when it has no valid span, or without context-propagation.
     */
    public static Context observedContext(ContextView view) {
        if (!AVAILABLE || !view.hasKey(OBSERVATION_KEY)) {
            return null;
        }
        return Support.observedContext(view);
    }

    private static final class Support {
        private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();
        private static volatile boolean registered;

        static synchronized void register() {
            if (!registered) {
                ContextRegistry.getInstance().registerThreadLocalAccessor(new OtelContextAccessor());
                registered = true;
            }
        }

        @SuppressWarnings("try") // the scope is used for its effect: the observation's span is current inside
        static Context observedContext(ContextView view) {
            try (ContextSnapshot.Scope ignored = SNAPSHOTS.setThreadLocalsFrom(view, OBSERVATION_KEY)) {
                Context current = Context.current();
                return Span.fromContext(current).getSpanContext().isValid() ? current : null;
            }
        }
    }
}

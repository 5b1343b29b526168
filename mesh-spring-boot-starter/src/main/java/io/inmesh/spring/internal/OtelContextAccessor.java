package io.inmesh.spring.internal;

import io.micrometer.context.ThreadLocalAccessor;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The OpenTelemetry {@link Context} as a thread-local value of Micrometer's context-propagation library, under the
 * key {@value #KEY}: with Reactor's automatic context propagation ({@code Hooks.enableAutomaticContextPropagation()})
 * a context put into a Reactor {@code Context} under that key is made current on every thread that delivers the
 * chain's signals, and the previous one restored afterwards.
 *
 * <p>OpenTelemetry's context is attached through its own storage ({@link Context#makeCurrent()}), so other users of
 * that storage (Micrometer Tracing's OpenTelemetry bridge, the Java agent's storage) see it; the scopes are kept per
 * thread and closed in reverse order, which is the order context-propagation restores values in.
 */
public final class OtelContextAccessor implements ThreadLocalAccessor<Context> {
    /** The key of the OpenTelemetry context, in a Reactor {@code Context} and in context-propagation's registry. */
    public static final String KEY = "io.inmesh.opentelemetry.context";

    private static final ThreadLocal<Deque<Scope>> SCOPES = ThreadLocal.withInitial(ArrayDeque::new);

    @Override
    public Object key() {
        return KEY;
    }

    /** The current context, or null when it is the root (nothing to carry). */
    @Override
    public Context getValue() {
        Context current = Context.current();
        return current == Context.root() ? null : current;
    }

    @Override
    public void setValue(Context value) {
        SCOPES.get().push(value.makeCurrent());
    }

    /** No context for this key: the root context is current until {@link #restore()}. */
    @Override
    public void setValue() {
        SCOPES.get().push(Context.root().makeCurrent());
    }

    @Override
    public void restore(Context previousValue) {
        closeLatest();
    }

    @Override
    public void restore() {
        closeLatest();
    }

    private static void closeLatest() {
        Deque<Scope> scopes = SCOPES.get();
        Scope latest = scopes.poll();
        if (latest != null) {
            latest.close();
        }
        if (scopes.isEmpty()) {
            SCOPES.remove();
        }
    }
}

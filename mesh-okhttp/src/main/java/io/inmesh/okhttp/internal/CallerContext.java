package io.inmesh.okhttp.internal;

import io.opentelemetry.context.Context;
import okhttp3.Call;
import okhttp3.EventListener;

/**
 * The OpenTelemetry context of the thread that started a call, kept on the call: OkHttp runs an asynchronous call's
 * interceptors on its dispatcher's threads, where the caller's context is not current. {@link #LISTENER} captures it
 * in {@code callStart}, which OkHttp calls on the caller's thread for both {@code execute} and {@code enqueue}.
 */
public record CallerContext(Context context) {

    /** Captures the current context at the start of each call. */
    public static final EventListener LISTENER = new EventListener() {
        @Override
        public void callStart(Call call) {
            Context current = Context.current();
            if (current != Context.root()) {
                call.tag(CallerContext.class, () -> new CallerContext(current));
            }
        }
    };

    /** The context the call was started in: captured at its start, else the current one. */
    public static Context of(Call call) {
        CallerContext c = call.tag(CallerContext.class);
        return c != null ? c.context : Context.current();
    }
}

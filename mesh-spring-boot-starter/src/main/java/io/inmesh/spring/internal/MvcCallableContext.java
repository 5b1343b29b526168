package io.inmesh.spring.internal;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.Callable;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

/**
 * Runs a Spring MVC {@code Callable} in the trace context of the request that returned it, whatever executor Spring MVC
 * runs it on: the context current when the handler returned is kept with the request, made current on the executor's
 * thread before the call and closed after it, on that thread.
 */
public final class MvcCallableContext implements CallableProcessingInterceptor {
    private static final String CONTEXT = MvcCallableContext.class.getName() + ".context";
    private static final String SCOPE = MvcCallableContext.class.getName() + ".scope";

    @Override
    public <T> void beforeConcurrentHandling(NativeWebRequest request, Callable<T> task) {
        request.setAttribute(CONTEXT, Context.current(), RequestAttributes.SCOPE_REQUEST);
    }

    @Override
    public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
        Object context = request.getAttribute(CONTEXT, RequestAttributes.SCOPE_REQUEST);
        if (context instanceof Context) {
            request.setAttribute(SCOPE, ((Context) context).makeCurrent(), RequestAttributes.SCOPE_REQUEST);
        }
    }

    @Override
    public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
        Object scope = request.getAttribute(SCOPE, RequestAttributes.SCOPE_REQUEST);
        if (scope instanceof Scope) {
            request.removeAttribute(SCOPE, RequestAttributes.SCOPE_REQUEST);
            ((Scope) scope).close();
        }
    }
}

package io.inmesh.config.internal.bind;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component for an Istio field that InMesh parses but does not act on. Setting it yields a
 * warning diagnostic that says so, and why.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface Unsupported {
    /** Why, or what happens instead; appended to "not supported by InMesh; ignored". */
    String value() default "";
}

package io.inmesh.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the workload this Spring Boot application is in the mesh, as a Kubernetes Deployment's pod template does
 * in Istio: put it on the application class.
 *
 * <pre>{@code
 * @SpringBootApplication
 * @MeshService(name = "reviews", version = "v2")
 * public class ReviewsApplication { ... }
 * }</pre>
 *
 * <p>The workload gets the labels {@code app: reviews} and {@code version: v2} (what DestinationRule subsets,
 * {@code sourceLabels} route matches, policy selectors and Istio's metric labels read), the service account
 * {@code reviews} (its SPIFFE identity is {@code spiffe://cluster.local/ns/default/sa/reviews}) and the namespace
 * {@code default}. The {@code mesh.*} properties win over the annotation: {@code mesh.labels} are added on top of its
 * labels, {@code mesh.service-account} and {@code mesh.namespace} replace its values. Attribute values may hold
 * {@code ${...}} placeholders, resolved against the environment. One bean of the application may carry it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MeshService {
    /** The service's name: the {@code app} label, and the service account unless {@link #serviceAccount()} is set. */
    String name();

    /** The {@code version} label ({@code v1}, {@code v2}); none when empty. */
    String version() default "";

    /** The namespace; {@code default} when empty. */
    String namespace() default "";

    /** The service account (part of the SPIFFE identity); the {@link #name()} when empty. */
    String serviceAccount() default "";
}

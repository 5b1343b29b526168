package io.inmesh.spring.internal;

import io.inmesh.spring.MeshService;
import java.util.Arrays;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.env.PropertyResolver;

/**
 * What the application declares about its workload with {@link MeshService} (placeholders resolved).
 *
 * @param name           the service's name (app label; the service account unless one is given); null when the
 *                       application has no {@code @MeshService}
 * @param version        the version label, or null
 * @param namespace      the namespace, or null
 * @param serviceAccount the service account, or null
 */
public record DeclaredWorkload(String name, String version, String namespace, String serviceAccount) {
    /** No {@code @MeshService}. */
    public static final DeclaredWorkload NONE = new DeclaredWorkload(null, null, null, null);

    /**
     * The {@code @MeshService} of the application's beans, or {@link #NONE}.
     *
     * @throws IllegalStateException when several beans carry one, or its name is blank
     */
    public static DeclaredWorkload find(ListableBeanFactory beans, PropertyResolver environment) {
        String[] names = beans.getBeanNamesForAnnotation(MeshService.class);
        if (names.length == 0) {
            return NONE;
        }
        if (names.length > 1) {
            throw new MeshStartupException("@MeshService is on several beans " + Arrays.toString(names)
                    + ": an application is one workload", "Keep @MeshService on the application class only.", null);
        }
        MeshService a = beans.findAnnotationOnBean(names[0], MeshService.class);
        String where = "@MeshService on bean '" + names[0] + "'";
        String name = resolve(environment, a.name(), where + ": name");
        if (name == null) {
            throw new MeshStartupException(where + ": name is blank", "Give the service's name, e.g."
                    + " @MeshService(name = \"reviews\", version = \"v1\").", null);
        }
        return new DeclaredWorkload(name, resolve(environment, a.version(), where + ": version"),
                resolve(environment, a.namespace(), where + ": namespace"),
                resolve(environment, a.serviceAccount(), where + ": serviceAccount"));
    }

    private static String resolve(PropertyResolver environment, String value, String what) {
        String v;
        try {
            v = environment.resolveRequiredPlaceholders(value);
        } catch (IllegalArgumentException e) {
            throw new MeshStartupException(what + ": " + e.getMessage(), "Define the property, or give the"
                    + " placeholder a default: ${name:default}.", e);
        }
        return v.isBlank() ? null : v.strip();
    }
}

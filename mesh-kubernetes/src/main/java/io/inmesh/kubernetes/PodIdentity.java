package io.inmesh.kubernetes;

import io.inmesh.Workload;
import io.inmesh.kubernetes.internal.DownwardApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@link Workload} this process runs as, read from the pod it runs in:
 *
 * <ul>
 *   <li>namespace: the environment variable {@code POD_NAMESPACE} (set it from the downward API's
 *       {@code metadata.namespace}), else the service-account mount's
 *       {@code /var/run/secrets/kubernetes.io/serviceaccount/namespace};</li>
 *   <li>service account: {@code POD_SERVICE_ACCOUNT} (from {@code spec.serviceAccountName}), else the name in the
 *       mounted service-account token's claims (the token's payload is decoded, not verified, only to read that name;
 *       the token is never logged or kept), else {@code default};</li>
 *   <li>labels: the downward API file {@code /etc/podinfo/labels} (a {@code downwardAPI} volume item with
 *       {@code fieldRef: metadata.labels}), one {@code key="value"} a line with Go's quoting; none when absent.</li>
 * </ul>
 *
 * See {@code samples/kubernetes/bookinfo.yaml} for the Deployment fields. API credentials are a separate matter:
 * fabric8's {@code KubernetesClientBuilder} finds the pod's in-cluster credentials itself.
 */
public final class PodIdentity {
    /** The service-account mount of a pod. */
    public static final Path SERVICE_ACCOUNT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    /** Where the samples mount the downward API's labels. */
    public static final Path LABELS_FILE = Path.of("/etc/podinfo/labels");

    private final Path serviceAccountDir;
    private final Path labelsFile;
    private final Function<String, String> env;

    private PodIdentity(Path serviceAccountDir, Path labelsFile, Function<String, String> env) {
        this.serviceAccountDir = serviceAccountDir;
        this.labelsFile = labelsFile;
        this.env = env;
    }

    /**
     * The workload of the pod this process runs in, from the standard paths and the process environment.
     *
     * @throws IllegalStateException when the namespace cannot be found (not in a pod, and no {@code POD_NAMESPACE}),
     *                               or the labels file is malformed
     */
    public static Workload detect() {
        return of(SERVICE_ACCOUNT_DIR, LABELS_FILE, System::getenv).workload();
    }

    /** Reads from other paths and another environment (tests, unusual mounts). */
    public static PodIdentity of(Path serviceAccountDir, Path labelsFile, Function<String, String> env) {
        return new PodIdentity(Objects.requireNonNull(serviceAccountDir, "serviceAccountDir"),
                Objects.requireNonNull(labelsFile, "labelsFile"), Objects.requireNonNull(env, "env"));
    }

    /**
     * Reads namespace, service account and labels now.
     *
     * @throws IllegalStateException when the namespace cannot be found, or a file cannot be read or is malformed
     */
    public Workload workload() {
        return new Workload(namespace(), serviceAccount(), labels());
    }

    String namespace() {
        String ns = trimmed(env.apply("POD_NAMESPACE"));
        if (ns != null) {
            return ns;
        }
        Path file = serviceAccountDir.resolve("namespace");
        ns = trimmed(readIfExists(file));
        if (ns == null) {
            throw new IllegalStateException("cannot tell this pod's namespace: POD_NAMESPACE is not set and " + file
                    + " does not exist (not running in a pod? set POD_NAMESPACE from the downward API's"
                    + " metadata.namespace, or give Mesh.builder() a Workload)");
        }
        return ns;
    }

    String serviceAccount() {
        String sa = trimmed(env.apply("POD_SERVICE_ACCOUNT"));
        if (sa != null) {
            return sa;
        }
        String token = trimmed(readIfExists(serviceAccountDir.resolve("token")));
        if (token != null) {
            String name = serviceAccountOf(token);
            if (name != null) {
                return name;
            }
        }
        return "default";
    }

    Map<String, String> labels() {
        String text = readIfExists(labelsFile);
        return text == null ? Map.of() : DownwardApi.parseMap(text, labelsFile.toString());
    }

    /**
     * The service account name in a Kubernetes service-account token: the {@code kubernetes.io.serviceaccount.name}
     * claim of bound tokens, or the legacy {@code kubernetes.io/serviceaccount/service-account.name}. The signature is
     * not verified: the name only labels this process; the API server checks the token on every call. Null when the
     * token is not a JWT or holds neither claim.
     */
    static String serviceAccountOf(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode claims = JsonMapper.shared().readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            JsonNode bound = claims.path("kubernetes.io").path("serviceaccount").path("name");
            if (bound.isString() && !bound.asString().isEmpty()) {
                return bound.asString();
            }
            JsonNode legacy = claims.path("kubernetes.io/serviceaccount/service-account.name");
            if (legacy.isString() && !legacy.asString().isEmpty()) {
                return legacy.asString();
            }
            return null;
        } catch (RuntimeException e) {
            return null; // not a JWT we can read: never echo the token
        }
    }

    private static String readIfExists(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String trimmed(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }
}

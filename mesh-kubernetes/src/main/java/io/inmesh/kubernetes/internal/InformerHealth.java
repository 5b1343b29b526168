package io.inmesh.kubernetes.internal;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;

/**
 * What one informer (or a group of informers) last achieved with the API server, for health checks and for the error
 * a caller sees when the first sync does not come: the time of the last successful sync and the last error, logged
 * once per distinct message. Never holds credentials: the messages are the API server's status texts.
 */
public final class InformerHealth {
    private static final System.Logger LOG = System.getLogger(InformerHealth.class.getName());

    private final String what;
    private final String rbacHint;
    private final Clock clock;
    private volatile Instant lastSuccessfulSync;
    private volatile String lastError;
    private String lastLogged;

    /**
     * @param what     what is watched, e.g. {@code configmap default/mesh-config}
     * @param rbacHint what to grant when the API server says 403, e.g. {@code get, list and watch on configmaps in
     *                 namespace default}
     */
    public InformerHealth(String what, String rbacHint, Clock clock) {
        this.what = what;
        this.rbacHint = rbacHint;
        this.clock = clock;
    }

    /** The informer is in step with the API server now (a list completed, an event arrived, the watch is open). */
    public void synced() {
        lastSuccessfulSync = clock.instant();
        synchronized (this) {
            if (lastError != null) {
                LOG.log(Level.INFO, "InMesh: watching " + what + " again");
            }
            lastError = null;
            lastLogged = null;
        }
    }

    /** The informer met {@code t}; logs it once per distinct message. Returns true: informers always retry. */
    public boolean failed(boolean started, Throwable t) {
        String text = describe(t);
        synchronized (this) {
            lastError = text;
            if (!text.equals(lastLogged)) {
                lastLogged = text;
                LOG.log(Level.WARNING, "InMesh cannot " + (started ? "watch " : "list ") + what + ": " + text
                        + "; retrying with back-off, the last good state keeps serving");
            }
        }
        return true;
    }

    /** When the informer was last known to be in step with the API server; null before the first sync. */
    public Instant lastSuccessfulSync() {
        return lastSuccessfulSync;
    }

    /** The last error since the last successful sync, or null. */
    public String lastError() {
        return lastError;
    }

    public String what() {
        return what;
    }

    private String describe(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && !(cause instanceof KubernetesClientException)) {
            cause = cause.getCause();
        }
        if (cause instanceof WatcherException we && we.getCause() instanceof KubernetesClientException kce) {
            cause = kce;
        }
        if (cause instanceof KubernetesClientException kce && kce.getCode() > 0) {
            String reason = kce.getStatus() != null && kce.getStatus().getMessage() != null
                    ? kce.getStatus().getMessage() : kce.getMessage();
            String text = "the API server answered HTTP " + kce.getCode() + " (" + reason + ")";
            if (kce.getCode() == 401) {
                text += "; the client's credentials were refused (in a pod: is the service account token mounted?)";
            } else if (kce.getCode() == 403) {
                text += "; grant the pod's service account " + rbacHint + " (see samples/kubernetes/rbac.yaml)";
            }
            return text;
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}

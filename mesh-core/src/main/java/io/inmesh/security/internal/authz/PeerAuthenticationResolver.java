package io.inmesh.security.internal.authz;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.PeerAuthentication.Mode;
import io.inmesh.config.internal.compile.PolicyIndex;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mTLS mode in force for a workload's port, composed as Istio's {@code ComposePeerAuthentication}
 * (istio/istio {@code pilot/pkg/security/authn/policy_applier.go}) does:
 * <ul>
 *   <li>the most specific scope wins: the workload's own policy (with a selector) over its namespace's (without)
 *       over the mesh's (root namespace, without a selector; a root-namespace policy with a selector is ignored,
 *       which {@link PolicyIndex} already does);</li>
 *   <li>{@code UNSET} (or no {@code mtls}) inherits from the next scope out, and {@code PERMISSIVE} is the mode when
 *       nothing sets one;</li>
 *   <li>{@code portLevelMtls} of the workload's policy overrides for that port, an {@code UNSET} port inheriting the
 *       workload's mode; a port-level setting on a policy without a selector is not used (validation refuses it);
 *       </li>
 *   <li>several policies in one scope: Istio takes the oldest; InMesh has no creation time and takes the first by
 *       namespace and name.</li>
 * </ul>
 */
public final class PeerAuthenticationResolver {

    /**
     * The mode and the policy that set it.
     *
     * @param mode   STRICT, PERMISSIVE or DISABLE, never UNSET
     * @param policy the PeerAuthentication that set the mode, {@code namespace/name}, or null for the default
     * @param scope  {@code port}, {@code workload}, {@code namespace}, {@code mesh} or {@code default}
     */
    public record Resolved(Mode mode, String policy, String scope) {
    }

    private PeerAuthenticationResolver() {
    }

    /** The mode for {@code port} of the workload with {@code labels} in {@code namespace} (port &lt;= 0: none). */
    public static Mode mode(MeshSnapshot snapshot, String namespace, Map<String, String> labels, int port) {
        return resolve(snapshot, namespace, labels, port).mode();
    }

    /** The mode with where it came from. */
    public static Resolved resolve(MeshSnapshot snapshot, String namespace, Map<String, String> labels, int port) {
        Objects.requireNonNull(snapshot, "snapshot");
        PolicyIndex.Applicable<PeerAuthentication> a = snapshot.peerAuthentications().forWorkload(namespace, labels);
        Resolved out = new Resolved(Mode.PERMISSIVE, null, "default");
        out = narrow(out, first(a.mesh()), "mesh");
        out = narrow(out, first(a.namespace()), "namespace");
        PeerAuthentication workload = first(a.workload());
        out = narrow(out, workload, "workload");
        if (workload != null && port > 0 && workload.spec().portLevelMtls() != null) {
            PeerAuthentication.MutualTls atPort = workload.spec().portLevelMtls().get(port);
            if (atPort != null && atPort.mode() != null && atPort.mode() != Mode.UNSET) {
                out = new Resolved(atPort.mode(), name(workload), "port");
            }
        }
        return out;
    }

    private static Resolved narrow(Resolved parent, PeerAuthentication p, String scope) {
        if (p == null || p.spec().mtls() == null || p.spec().mtls().mode() == null
                || p.spec().mtls().mode() == Mode.UNSET) {
            return parent;
        }
        return new Resolved(p.spec().mtls().mode(), name(p), scope);
    }

    private static PeerAuthentication first(List<PeerAuthentication> list) {
        PeerAuthentication best = null;
        for (PeerAuthentication p : list) {
            if (best == null || name(p).compareTo(name(best)) < 0) {
                best = p;
            }
        }
        return best;
    }

    private static String name(PeerAuthentication p) {
        return p.metadata().namespace() + "/" + p.metadata().name();
    }
}

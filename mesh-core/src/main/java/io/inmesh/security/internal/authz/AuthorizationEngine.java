package io.inmesh.security.internal.authz;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.AuthorizationPolicy.Action;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides inbound requests for one workload from the AuthorizationPolicies of one snapshot, as Istio does
 * (istio.io "Authorization Policy" reference; ISTIO-COMPAT.md):
 * <ol>
 *   <li>CUSTOM policies are ignored (InMesh has no external authorizer; validation warns about them);</li>
 *   <li>if any DENY policy matches, deny;</li>
 *   <li>if no ALLOW policy applies to the workload, allow;</li>
 *   <li>if any ALLOW policy matches, allow;</li>
 *   <li>otherwise deny.</li>
 * </ol>
 * AUDIT policies never change the decision ({@link #auditPolicy} tells whether one matches, for the access log).
 * An ALLOW policy without rules matches nothing, so {@code spec: {}} denies everything in its scope; a rule
 * {@code {}} matches everything. Which policies apply (root namespace: the whole mesh; a namespace; a selector) is
 * {@link io.inmesh.config.internal.compile.PolicyIndex}'s.
 *
 * <p>Build one engine per workload when a snapshot is applied and keep it with that snapshot: the policies are
 * compiled here, once. {@link #evaluate} normalises the path once ({@link PathNormalizer}, only when a policy looks at
 * paths), reads the request directly, and returns precomputed decisions: it allocates nothing for a request whose
 * path is already normal (repeated request headers named in {@code when} are joined, which allocates).
 *
 * <p>A request whose path the normaliser rejects gets a denial for which {@link #isBadRequest} is true: the
 * adapter answers 400, not 403. The 403 answer and its body {@code RBAC: access denied} are the adapter's too.
 */
public final class AuthorizationEngine {

    private static final AuthzDecision NO_POLICY = new AuthzDecision(true, null, null,
            "no AuthorizationPolicy applies to this workload");
    private static final AuthzDecision NO_ALLOW_POLICY = new AuthzDecision(true, null, null,
            "no DENY policy matched and no ALLOW policy applies to this workload");
    private static final AuthzDecision[] BAD_REQUEST = new AuthzDecision[PathNormalizer.Rejection.values().length];

    static {
        for (PathNormalizer.Rejection r : PathNormalizer.Rejection.values()) {
            BAD_REQUEST[r.ordinal()] = new AuthzDecision(false, null, null, "bad request (400): " + r.message());
        }
    }

    private final PolicyCompiler.Compiled[] deny;
    private final PolicyCompiler.Compiled[] allow;
    private final PolicyCompiler.Compiled[] audit;
    private final List<String> policies;
    private final List<String> ignored;
    private final boolean decisionUsesPath;
    private final boolean auditUsesPath;
    private final PathNormalizer normalizer;
    private final AuthzDecision notAllowed;

    private AuthorizationEngine(List<AuthorizationPolicy> applicable, PathNormalizer normalizer) {
        List<PolicyCompiler.Compiled> d = new ArrayList<>();
        List<PolicyCompiler.Compiled> a = new ArrayList<>();
        List<PolicyCompiler.Compiled> au = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (AuthorizationPolicy p : applicable) {
            Action action = PolicyCompiler.action(p);
            if (action == Action.CUSTOM) {
                skipped.add(PolicyCompiler.name(p));
                continue;
            }
            PolicyCompiler.Compiled c = PolicyCompiler.compile(p);
            names.add(c.name + " (" + action + ")");
            (action == Action.DENY ? d : action == Action.ALLOW ? a : au).add(c);
        }
        this.deny = d.toArray(new PolicyCompiler.Compiled[0]);
        this.allow = a.toArray(new PolicyCompiler.Compiled[0]);
        this.audit = au.toArray(new PolicyCompiler.Compiled[0]);
        this.policies = List.copyOf(names);
        this.ignored = List.copyOf(skipped);
        this.decisionUsesPath = d.stream().anyMatch(c -> c.usesPath) || a.stream().anyMatch(c -> c.usesPath);
        this.auditUsesPath = au.stream().anyMatch(c -> c.usesPath);
        this.normalizer = normalizer;
        this.notAllowed = new AuthzDecision(false, null, null, "no ALLOW policy matched ("
                + (allow.length == 1 ? "1 applies" : allow.length + " apply") + "): RBAC: access denied");
    }

    /** The engine for the workload with {@code labels} in {@code namespace}, with the standard path normaliser. */
    public static AuthorizationEngine forWorkload(MeshSnapshot snapshot, String namespace, Map<String, String> labels) {
        return forWorkload(snapshot, namespace, labels, PathNormalizer.standard());
    }

    /** The engine for a workload, normalising paths with {@code normalizer}. */
    public static AuthorizationEngine forWorkload(MeshSnapshot snapshot, String namespace, Map<String, String> labels,
                                                  PathNormalizer normalizer) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(normalizer, "normalizer");
        return new AuthorizationEngine(snapshot.authorizationPolicies().forWorkload(namespace, labels).all(),
                normalizer);
    }

    /** An engine over policies that are known to apply (tests). */
    static AuthorizationEngine of(List<AuthorizationPolicy> applicable, PathNormalizer normalizer) {
        return new AuthorizationEngine(List.copyOf(applicable), normalizer);
    }

    /**
     * Decides one request.
     *
     * @param request  the request as the inbound filter sees it
     * @param identity the JWT identity RequestAuthentication verified, or null (no token)
     */
    public AuthzDecision evaluate(InboundRequest request, RequestIdentity identity) {
        if (deny.length == 0 && allow.length == 0) {
            return NO_POLICY;
        }
        String path = null;
        if (decisionUsesPath) {
            Object p = normalizer.apply(request.path() == null ? "" : request.path());
            if (p instanceof PathNormalizer.Rejection rejection) {
                return BAD_REQUEST[rejection.ordinal()];
            }
            path = (String) p;
        }
        return decide(request, identity, path);
    }

    /**
     * Decides one request whose path the caller has already normalized with {@link #normalizer()} (and not
     * rejected), so that the inbound chain normalizes a path once.
     */
    public AuthzDecision evaluate(InboundRequest request, RequestIdentity identity, String normalizedPath) {
        if (deny.length == 0 && allow.length == 0) {
            return NO_POLICY;
        }
        return decide(request, identity, normalizedPath);
    }

    private AuthzDecision decide(InboundRequest request, RequestIdentity identity, String path) {
        for (PolicyCompiler.Compiled c : deny) {
            int rule = c.match(request, identity, path);
            if (rule >= 0) {
                return c.decisions[rule];
            }
        }
        if (allow.length == 0) {
            return NO_ALLOW_POLICY;
        }
        for (PolicyCompiler.Compiled c : allow) {
            int rule = c.match(request, identity, path);
            if (rule >= 0) {
                return c.decisions[rule];
            }
        }
        return notAllowed;
    }

    /**
     * The first AUDIT policy ({@code namespace/name}) that matches the request, or null. Auditing never changes
     * {@link #evaluate}'s decision; an access log may record it. A path the normaliser rejects is not audited.
     */
    public String auditPolicy(InboundRequest request, RequestIdentity identity) {
        if (audit.length == 0) {
            return null;
        }
        String path = null;
        if (auditUsesPath) {
            Object p = normalizer.apply(request.path() == null ? "" : request.path());
            if (!(p instanceof String s)) {
                return null;
            }
            path = s;
        }
        for (PolicyCompiler.Compiled c : audit) {
            if (c.match(request, identity, path) >= 0) {
                return c.name;
            }
        }
        return null;
    }

    /** True for the denial of a request whose path was rejected: the answer is 400 Bad Request, not 403. */
    public static boolean isBadRequest(AuthzDecision decision) {
        for (AuthzDecision d : BAD_REQUEST) {
            if (d == decision) {
                return true;
            }
        }
        return false;
    }

    /**
     * The ALLOW, DENY and AUDIT policies in force, {@code namespace/name (ACTION)}: mesh first, then namespace, then
     * workload.
     */
    public List<String> policies() {
        return policies;
    }

    /** The CUSTOM policies that apply but are ignored, {@code namespace/name}. */
    public List<String> ignoredPolicies() {
        return ignored;
    }

    /** True when a DENY or ALLOW policy applies, so {@link #evaluate} can deny. */
    public boolean enforcing() {
        return deny.length > 0 || allow.length > 0;
    }

    /** The normaliser paths go through. */
    public PathNormalizer normalizer() {
        return normalizer;
    }
}

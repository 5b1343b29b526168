package io.inmesh.security.internal;

import io.inmesh.Workload;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication.Mode;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.InboundDecision;
import io.inmesh.security.InboundDecision.Outcome;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.authz.AuthorizationEngine;
import io.inmesh.security.internal.authz.PathNormalizer;
import io.inmesh.security.internal.authz.PeerAuthenticationResolver;
import io.inmesh.security.internal.jwt.JwksCache;
import io.inmesh.security.internal.jwt.JwtAuthenticator;
import io.inmesh.security.internal.jwt.JwtResult;
import io.inmesh.security.internal.ratelimit.LocalRateLimiter;
import io.inmesh.security.internal.ratelimit.RateLimitBuckets;
import io.inmesh.security.internal.ratelimit.RateLimitDecision;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The inbound side of one mesh: for its workload, the policies of the current snapshot compiled (authorization,
 * request authentication, local rate limits, peer authentication modes by port), swapped whole when a snapshot
 * arrives. The JWKS cache and the rate-limit buckets outlive snapshots.
 */
public final class SecurityPlane implements AutoCloseable {

    /** Everything one request reads, swapped whole. */
    private static final class State {
        final MeshSnapshot snapshot;
        final AuthorizationEngine authz;
        final JwtAuthenticator jwt;
        final LocalRateLimiter rateLimits;
        volatile int[] modePorts = new int[0];
        volatile Mode[] modes = new Mode[0];

        State(MeshSnapshot snapshot, AuthorizationEngine authz, JwtAuthenticator jwt, LocalRateLimiter rateLimits) {
            this.snapshot = snapshot;
            this.authz = authz;
            this.jwt = jwt;
            this.rateLimits = rateLimits;
        }
    }

    private static final String RBAC_DENIED = "RBAC: access denied";

    private final Workload self;
    private final JwksCache jwks;
    private final RateLimitBuckets buckets;
    private volatile State state;

    public SecurityPlane(Workload self, JwksCache jwks, RateLimitBuckets buckets) {
        this.self = self;
        this.jwks = jwks;
        this.buckets = buckets;
    }

    /** Compiles the workload's policies of {@code snapshot} and makes them current. Off the request path. */
    public synchronized void update(MeshSnapshot snapshot) {
        String ns = self.namespace();
        Map<String, String> labels = self.labels();
        state = new State(snapshot, AuthorizationEngine.forWorkload(snapshot, ns, labels),
                JwtAuthenticator.forWorkload(snapshot, ns, labels, jwks),
                LocalRateLimiter.forWorkload(snapshot, ns, labels, buckets));
    }

    private State current() {
        State s = state;
        if (s == null) {
            throw new IllegalStateException("the mesh has no configuration yet");
        }
        return s;
    }

    /** The PeerAuthentication mode in force for {@code port} of this workload (cached per port and snapshot). */
    public Mode mtlsMode(int port) {
        State s = current();
        int[] ports = s.modePorts;
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == port) {
                return s.modes[i];
            }
        }
        Mode m = PeerAuthenticationResolver.mode(s.snapshot, self.namespace(), self.labels(), port);
        synchronized (s) {
            if (s.modePorts.length < 64) {
                int[] p = Arrays.copyOf(s.modePorts, s.modePorts.length + 1);
                Mode[] ms = Arrays.copyOf(s.modes, s.modes.length + 1);
                p[p.length - 1] = port;
                ms[ms.length - 1] = m;
                s.modes = ms;
                s.modePorts = p;
            }
        }
        return m;
    }

    /** Runs the inbound checks for {@code request}, in Istio's order. */
    public InboundDecision check(InboundRequest request) {
        State s = current();
        Mode mode = mtlsMode(request.destinationPort());
        // On a DISABLE port the mesh does not do mTLS (Istio's sidecar would not terminate it): a TLS peer's
        // identity is not trusted as a principal there.
        SpiffeId peer = mode == Mode.DISABLE ? null : request.peer();
        if (mode == Mode.STRICT && peer == null) {
            return refuse(Outcome.PLAINTEXT_REFUSED, 403, "mTLS required: this port accepts mutual TLS only"
                    + " (PeerAuthentication STRICT)", mode, null, null, null, Map.of(),
                    "plaintext request on a STRICT port");
        }
        String normalizedPath = null; // normalized once here, for authorization and rate limits alike
        if (s.authz.enforcing() || !s.rateLimits.isEmpty()) {
            PathNormalizer.Result path = s.authz.normalizer().normalize(request.path() == null ? "/"
                    : request.path());
            if (path.rejected()) {
                return refuse(Outcome.BAD_REQUEST, 400, "Bad Request", mode, peer, null, null, Map.of(),
                        "path rejected: " + path.rejection());
            }
            normalizedPath = path.path();
        }
        RequestIdentity identity = null;
        Map<String, String> setHeaders = Map.of();
        List<String> removeHeaders = List.of();
        List<String> removeParams = List.of();
        if (!s.jwt.isEmpty()) {
            JwtResult jwt = s.jwt.authenticate(request);
            if (jwt instanceof JwtResult.Rejected) {
                String reason = ((JwtResult.Rejected) jwt).reason();
                return refuse(Outcome.UNAUTHENTICATED, 401, reason, mode, peer, null, null, Map.of(),
                        "JWT rejected: " + reason);
            }
            if (jwt instanceof JwtResult.Authenticated) {
                JwtResult.Authenticated a = (JwtResult.Authenticated) jwt;
                identity = a.identity();
                setHeaders = a.setHeaders();
                removeHeaders = a.removeHeaders();
                removeParams = a.removeQueryParameters();
            } else {
                removeHeaders = ((JwtResult.NoToken) jwt).removeHeaders();
            }
        }
        AuthzDecision authz = s.authz.evaluate(request, identity, normalizedPath);
        if (!authz.allowed()) { // a path the normalizer rejects was answered 400 above
            return refuse(Outcome.DENIED, 403, RBAC_DENIED, mode, peer, identity, authz, Map.of(), authz.reason());
        }
        RateLimitDecision limit = s.rateLimits.isEmpty() ? RateLimitDecision.UNLIMITED
                : s.rateLimits.check(request, peer == null ? null : peer.principal(), normalizedPath);
        if (!limit.allowed()) {
            return new InboundDecision(Outcome.RATE_LIMITED, 429, "local_rate_limited", "RL", mode, peer, identity,
                    authz, limit.headers(), Map.of(), List.of(), List.of(), "rate limited by " + limit.policy());
        }
        return new InboundDecision(Outcome.ALLOWED, 200, "", "-", mode, peer, identity, authz, limit.headers(),
                setHeaders, removeHeaders, removeParams, authz.reason());
    }

    private static InboundDecision refuse(Outcome outcome, int status, String body, Mode mode, SpiffeId peer,
                                          RequestIdentity identity, AuthzDecision authz, Map<String, String> headers,
                                          String reason) {
        return new InboundDecision(outcome, status, body, "-", mode, peer, identity, authz, headers, Map.of(),
                List.of(), List.of(), reason);
    }

    @Override
    public void close() {
        jwks.close();
    }
}

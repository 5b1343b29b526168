package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.ConfigRejection;
import io.inmesh.config.Diagnostic;
import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.MeshResource;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.config.VirtualService;
import io.inmesh.security.CertificateBundle;
import io.inmesh.security.MeshTls;
import io.inmesh.traffic.DestinationStatus;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /actuator/mesh} shows: the workload, the configuration in force and its last rejection, routes,
 * destinations with ejections, the certificate and the policies applying to this workload. Public facts only: no key
 * material, no token, no inline JWKS, no header values of policies.
 */
public final class MeshReport {
    private MeshReport() {
    }

    /** The report; {@code serverPort} (0 when unknown) picks the PeerAuthentication mode shown. */
    public static Map<String, Object> of(Mesh mesh, int serverPort, Clock clock) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("workload", workload(mesh));
        MeshSnapshot snapshot = mesh.config().current();
        r.put("config", config(mesh, snapshot));
        r.put("routes", routes(snapshot));
        r.put("destinations", destinations(mesh.destinations()));
        r.put("certificate", certificate(mesh.tls(), clock));
        r.put("policies", policies(mesh, snapshot, serverPort));
        return r;
    }

    static Map<String, Object> workload(Mesh mesh) {
        Workload w = mesh.workload();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", w.namespace());
        m.put("serviceAccount", w.serviceAccount());
        m.put("labels", w.labels());
        m.put("identity", mesh.identity().toString());
        m.put("trustDomain", mesh.trustDomain());
        return m;
    }

    static Map<String, Object> config(Mesh mesh, MeshSnapshot snapshot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loaded", mesh.config().loaded());
        if (snapshot != null) {
            m.put("version", snapshot.version());
            m.put("appliedAt", snapshot.createdAt().toString());
            m.put("resources", snapshot.resources().size());
            m.put("httpRoutes", snapshot.routeCount());
        }
        m.put("lastRejection", mesh.config().lastRejection().map(MeshReport::rejection).orElse(null));
        return m;
    }

    /** A rejection: when, the content hash, and each diagnostic (errors and warnings). */
    public static Map<String, Object> rejection(ConfigRejection rejection) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", rejection.time().toString());
        m.put("contentHash", rejection.contentHash());
        List<Map<String, Object>> diagnostics = new ArrayList<>();
        for (Diagnostic d : rejection.diagnostics()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("severity", d.severity().name().toLowerCase(java.util.Locale.ROOT));
            dm.put("file", d.file());
            dm.put("line", d.line());
            dm.put("column", d.column());
            dm.put("resource", d.kind() == null ? null : d.kind() + " " + (d.namespace() == null ? ""
                    : d.namespace() + "/") + (d.name() == null ? "" : d.name()));
            dm.put("field", d.field());
            dm.put("message", d.message());
            dm.put("text", d.format());
            diagnostics.add(dm);
        }
        m.put("diagnostics", diagnostics);
        return m;
    }

    static List<Map<String, Object>> routes(MeshSnapshot snapshot) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (snapshot == null) {
            return out;
        }
        for (VirtualService vs : snapshot.resources(VirtualService.class)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("virtualService", name(vs));
            m.put("hosts", vs.spec().hosts());
            List<Map<String, Object>> http = new ArrayList<>();
            List<VirtualService.HttpRoute> routes = vs.spec().http() == null ? List.of() : vs.spec().http();
            for (int i = 0; i < routes.size(); i++) {
                VirtualService.HttpRoute h = routes.get(i);
                Map<String, Object> hm = new LinkedHashMap<>();
                hm.put("index", i);
                hm.put("name", h.name());
                hm.put("matches", h.match() == null ? 0 : h.match().size());
                List<String> to = new ArrayList<>();
                if (h.route() != null) {
                    for (VirtualService.HttpRouteDestination d : h.route()) {
                        VirtualService.Destination dest = d.destination();
                        to.add(dest.host() + (dest.subset() == null ? "" : "/" + dest.subset())
                                + (dest.port() == null || dest.port().number() == null ? ""
                                : ":" + dest.port().number())
                                + (d.weight() == null ? "" : " " + d.weight() + "%"));
                    }
                }
                hm.put("route", to);
                if (h.redirect() != null) {
                    hm.put("redirect", true);
                }
                if (h.directResponse() != null) {
                    hm.put("directResponse", h.directResponse().status());
                }
                if (h.timeout() != null) {
                    hm.put("timeout", h.timeout().toString());
                }
                if (h.retries() != null) {
                    hm.put("retries", h.retries().attempts());
                }
                if (h.fault() != null) {
                    hm.put("fault", (h.fault().delay() != null ? "delay" : "")
                            + (h.fault().delay() != null && h.fault().abort() != null ? "+" : "")
                            + (h.fault().abort() != null ? "abort" : ""));
                }
                if (h.mirror() != null || (h.mirrors() != null && !h.mirrors().isEmpty())) {
                    hm.put("mirror", true);
                }
                http.add(hm);
            }
            m.put("http", http);
            out.add(m);
        }
        return out;
    }

    static List<Map<String, Object>> destinations(List<DestinationStatus> destinations) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DestinationStatus d : destinations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", d.host());
            m.put("subset", d.subset());
            m.put("port", d.port());
            m.put("ejected", d.ejectedCount());
            List<Map<String, Object>> endpoints = new ArrayList<>();
            for (DestinationStatus.EndpointStatus e : d.endpoints()) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("address", e.address() + ":" + e.port());
                em.put("labels", e.labels());
                em.put("activeRequests", e.activeRequests());
                em.put("ejected", e.ejected());
                endpoints.add(em);
            }
            m.put("endpoints", endpoints);
            out.add(m);
        }
        return out;
    }

    static Map<String, Object> certificate(MeshTls tls, Clock clock) {
        if (tls == null) {
            return null;
        }
        CertificateBundle b = tls.current();
        X509Certificate leaf = b.leaf();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spiffeId", b.spiffeId().toString());
        m.put("serialNumber", leaf.getSerialNumber().toString(16));
        m.put("issuer", leaf.getIssuerX500Principal().getName());
        m.put("notBefore", leaf.getNotBefore().toInstant().toString());
        m.put("notAfter", b.notAfter().toString());
        m.put("expiresInSeconds", Duration.between(clock.instant(), b.notAfter()).toSeconds());
        List<String> roots = new ArrayList<>();
        for (X509Certificate root : b.trustAnchors()) {
            roots.add(root.getSubjectX500Principal().getName() + " (until " + root.getNotAfter().toInstant() + ")");
        }
        m.put("trustAnchors", roots);
        m.put("lastRejection", tls.lastRejection().orElse(null));
        return m;
    }

    /** Whether the workload certificate has expired (or there is none when {@code tls} is null: false). */
    public static boolean expired(MeshTls tls, Instant now) {
        return tls != null && !tls.current().notAfter().isAfter(now);
    }

    static Map<String, Object> policies(Mesh mesh, MeshSnapshot snapshot, int serverPort) {
        Map<String, Object> m = new LinkedHashMap<>();
        Workload w = mesh.workload();
        m.put("mtlsMode", mesh.mtlsMode(serverPort).name());
        m.put("mtlsModePort", serverPort);
        if (snapshot == null) {
            return m;
        }
        List<String> peer = new ArrayList<>();
        for (PeerAuthentication p : snapshot.peerAuthentications().forWorkload(w.namespace(), w.labels()).all()) {
            peer.add(name(p));
        }
        m.put("peerAuthentications", peer);
        List<String> authz = new ArrayList<>();
        for (AuthorizationPolicy p : snapshot.authorizationPolicies().forWorkload(w.namespace(), w.labels()).all()) {
            authz.add(name(p) + " " + (p.spec().action() == null ? "ALLOW" : p.spec().action()));
        }
        m.put("authorizationPolicies", authz);
        List<String> jwt = new ArrayList<>();
        for (RequestAuthentication p : snapshot.requestAuthentications().forWorkload(w.namespace(), w.labels())
                .all()) {
            List<String> issuers = new ArrayList<>();
            if (p.spec().jwtRules() != null) {
                p.spec().jwtRules().forEach(rule -> issuers.add(rule.issuer()));
            }
            jwt.add(name(p) + " issuers " + issuers);
        }
        m.put("requestAuthentications", jwt);
        List<String> limits = new ArrayList<>();
        for (LocalRateLimit p : snapshot.localRateLimits().forWorkload(w.namespace(), w.labels()).all()) {
            limits.add(name(p));
        }
        m.put("localRateLimits", limits);
        return m;
    }

    private static String name(MeshResource r) {
        return r.metadata().namespace() + "/" + r.metadata().name();
    }
}

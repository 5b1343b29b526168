package io.inmesh.config.internal.validation;

import static io.inmesh.config.internal.validation.Report.q;

import io.inmesh.config.DestinationRule;
import io.inmesh.config.DestinationRule.ClientTlsSettings;
import io.inmesh.config.DestinationRule.ConnectionPoolSettings;
import io.inmesh.config.DestinationRule.LoadBalancerSettings;
import io.inmesh.config.DestinationRule.OutlierDetection;
import io.inmesh.config.DestinationRule.TlsMode;
import io.inmesh.config.DestinationRule.TrafficPolicy;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;

/** Istio's DestinationRule rules (ValidateDestinationRule and its helpers). */
final class DestinationRuleRules {
    private DestinationRuleRules() {
    }

    static void validate(DestinationRule dr, Report r) {
        DestinationRule.Spec s = dr.spec();
        if (s.host() == null || s.host().isEmpty()) {
            r.error("spec.host", "missing: a DestinationRule needs a host");
        } else {
            Checks.host(r, "spec.host", s.host(), true);
        }
        trafficPolicy(s.trafficPolicy(), "spec.trafficPolicy", r);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < Checks.size(s.subsets()); i++) {
            var sub = s.subsets().get(i);
            String p = "spec.subsets[" + i + "]";
            if (sub.name() == null || sub.name().isEmpty()) {
                r.error(p + ".name", "missing: a subset needs a name");
            } else if (!Checks.isDns1123Label(sub.name())) {
                r.error(p + ".name", "subset name " + q(sub.name()) + " is not a valid DNS-1123 label"
                        + " (lower-case letters, digits and '-', starting and ending with a letter or digit)");
            } else if (!names.add(sub.name())) {
                r.error(p + ".name", "duplicate subset name " + q(sub.name()));
            }
            Checks.labels(r, p + ".labels", sub.labels());
            trafficPolicy(sub.trafficPolicy(), p + ".trafficPolicy", r);
        }
        Checks.selector(r, "spec.workloadSelector", s.workloadSelector());
    }

    private static void policyExtras(TrafficPolicy t, String p, Report r) {
        if (t.tunnel() != null && t.proxyProtocol() != null) {
            r.error(p, "tunnel and proxyProtocol must not be set together");
        }
        var lb = t.loadBalancer();
        if (lb != null && lb.warmup() != null) {
            var w = lb.warmup();
            if (w.duration() == null) {
                r.error(p + ".loadBalancer.warmup.duration", "missing: warmup needs a duration");
            }
            Checks.duration(r, p + ".loadBalancer.warmup.duration", w.duration());
            if (w.minimumPercent() != null) {
                Checks.percent(r, p + ".loadBalancer.warmup.minimumPercent", w.minimumPercent());
            }
            if (w.aggression() != null && w.aggression() < 1) {
                r.error(p + ".loadBalancer.warmup.aggression", "aggression " + Checks.fmt(w.aggression())
                        + " must be at least 1");
            }
        }
    }

    private static void trafficPolicy(TrafficPolicy t, String p, Report r) {
        if (t == null) {
            return;
        }
        if (t.loadBalancer() == null && t.connectionPool() == null && t.outlierDetection() == null
                && t.tls() == null && t.portLevelSettings() == null && t.tunnel() == null
                && t.proxyProtocol() == null && t.retryBudget() == null) {
            r.error(p, "a traffic policy must set at least one field");
        }
        policyExtras(t, p, r);
        loadBalancer(t.loadBalancer(), p + ".loadBalancer", r);
        connectionPool(t.connectionPool(), p + ".connectionPool", r);
        outlierDetection(t.outlierDetection(), p + ".outlierDetection", r);
        tls(t.tls(), p + ".tls", r);
        if (t.retryBudget() != null) {
            if (t.retryBudget().percent() != null) {
                Checks.percent(r, p + ".retryBudget.percent", t.retryBudget().percent());
            }
            if (t.retryBudget().minRetryConcurrency() != null && t.retryBudget().minRetryConcurrency() < 0) {
                r.error(p + ".retryBudget.minRetryConcurrency", "minRetryConcurrency "
                        + t.retryBudget().minRetryConcurrency() + " is negative; expected 0 or more");
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < Checks.size(t.portLevelSettings()); i++) {
            var pl = t.portLevelSettings().get(i);
            String pp = p + ".portLevelSettings[" + i + "]";
            if (pl.port() == null || pl.port().number() == null) {
                r.error(pp + ".port", "missing: port-level settings need port.number");
            } else {
                Checks.port(r, pp + ".port.number", pl.port().number());
                if (!ports.add(pl.port().number())) {
                    r.warning(pp + ".port.number", "port " + pl.port().number()
                            + " has port-level settings already; these are ignored");
                }
            }
            if (pl.loadBalancer() == null && pl.connectionPool() == null && pl.outlierDetection() == null
                    && pl.tls() == null) {
                r.error(pp, "port-level settings must set at least one of loadBalancer, connectionPool,"
                        + " outlierDetection or tls");
            }
            loadBalancer(pl.loadBalancer(), pp + ".loadBalancer", r);
            connectionPool(pl.connectionPool(), pp + ".connectionPool", r);
            outlierDetection(pl.outlierDetection(), pp + ".outlierDetection", r);
            tls(pl.tls(), pp + ".tls", r);
        }
    }

    private static void loadBalancer(LoadBalancerSettings lb, String p, Report r) {
        if (lb == null) {
            return;
        }
        if (lb.simple() != null && lb.consistentHash() != null) {
            r.error(p, "set only one of simple and consistentHash");
        }
        if (lb.simple() == DestinationRule.SimpleLb.LEAST_CONN) {
            r.warning(p + ".simple", "LEAST_CONN is deprecated; it means LEAST_REQUEST");
        }
        var ch = lb.consistentHash();
        if (ch != null) {
            int keys = (ch.httpHeaderName() != null ? 1 : 0) + (ch.httpCookie() != null ? 1 : 0)
                    + (Boolean.TRUE.equals(ch.useSourceIp()) ? 1 : 0) + (ch.httpQueryParameterName() != null ? 1 : 0);
            if (keys == 0) {
                r.warning(p + ".consistentHash", "a consistent hash without httpHeaderName, httpCookie, useSourceIp"
                        + " or httpQueryParameterName has no key to hash");
            } else if (keys > 1) {
                r.error(p + ".consistentHash", "set only one of httpHeaderName, httpCookie, useSourceIp and"
                        + " httpQueryParameterName");
            }
            if (ch.httpHeaderName() != null) {
                Checks.headerName(r, p + ".consistentHash.httpHeaderName", ch.httpHeaderName());
            }
            if (ch.httpCookie() != null) {
                if (ch.httpCookie().name() == null || ch.httpCookie().name().isEmpty()) {
                    r.error(p + ".consistentHash.httpCookie.name", "missing: a hash cookie needs a name");
                }
            }
            if (ch.ringHash() != null && ch.maglev() != null) {
                r.error(p + ".consistentHash", "set only one of ringHash and maglev");
            }
            if (ch.minimumRingSize() != null) {
                r.warning(p + ".consistentHash.minimumRingSize", "deprecated: use ringHash.minimumRingSize");
                if (ch.ringHash() != null || ch.maglev() != null) {
                    r.error(p + ".consistentHash", "set only one of minimumRingSize, ringHash and maglev");
                }
            }
            if (ch.ringHash() != null && ch.ringHash().minimumRingSize() != null
                    && ch.ringHash().minimumRingSize() < 0) {
                r.error(p + ".consistentHash.ringHash.minimumRingSize", "ring size " + ch.ringHash().minimumRingSize()
                        + " is negative; expected 0 (the default, 1024) or more");
            }
            if (ch.maglev() != null) {
                Long size = ch.maglev().tableSize();
                if (size == null) {
                    r.error(p + ".consistentHash.maglev.tableSize", "missing: maglev needs tableSize, a prime such as 65537");
                } else if (size < 2 || size >= 5_000_011 || !BigInteger.valueOf(size).isProbablePrime(30)) {
                    r.error(p + ".consistentHash.maglev.tableSize", "maglev table size " + size
                            + " must be a prime number below 5000011, such as 65537");
                }
            }
        }
    }

    private static void connectionPool(ConnectionPoolSettings cp, String p, Report r) {
        if (cp == null) {
            return;
        }
        if (cp.tcp() == null && cp.http() == null) {
            r.error(p, "a connection pool must set tcp or http");
        }
        if (cp.tcp() != null) {
            var t = cp.tcp();
            nonNegative(r, p + ".tcp.maxConnections", t.maxConnections());
            Checks.duration(r, p + ".tcp.connectTimeout", t.connectTimeout());
            Checks.duration(r, p + ".tcp.maxConnectionDuration", t.maxConnectionDuration());
            if (t.idleTimeout() != null && t.idleTimeout().toMillis() != 0) {
                Checks.duration(r, p + ".tcp.idleTimeout", t.idleTimeout()); // 0s disables it
            }
        }
        if (cp.http() != null) {
            var h = cp.http();
            nonNegative(r, p + ".http.http1MaxPendingRequests", h.http1MaxPendingRequests());
            nonNegative(r, p + ".http.http2MaxRequests", h.http2MaxRequests());
            nonNegative(r, p + ".http.maxRequestsPerConnection", h.maxRequestsPerConnection());
            nonNegative(r, p + ".http.maxRetries", h.maxRetries());
            nonNegative(r, p + ".http.maxConcurrentStreams", h.maxConcurrentStreams());
            Checks.duration(r, p + ".http.idleTimeout", h.idleTimeout());
            if (h.h2UpgradePolicy() == DestinationRule.H2UpgradePolicy.UPGRADE && Boolean.TRUE.equals(h.useClientProtocol())) {
                r.error(p + ".http", "h2UpgradePolicy UPGRADE and useClientProtocol cannot both be set");
            }
        }
    }

    private static void outlierDetection(OutlierDetection od, String p, Report r) {
        if (od == null) {
            return;
        }
        if (od.consecutiveErrors() != null) {
            r.warning(p + ".consecutiveErrors", "deprecated: use consecutive5xxErrors or consecutiveGatewayErrors");
        }
        nonNegative(r, p + ".consecutiveErrors", od.consecutiveErrors());
        nonNegative(r, p + ".consecutive5xxErrors", od.consecutive5xxErrors());
        nonNegative(r, p + ".consecutiveGatewayErrors", od.consecutiveGatewayErrors());
        nonNegative(r, p + ".consecutiveLocalOriginFailures", od.consecutiveLocalOriginFailures());
        if (od.consecutiveLocalOriginFailures() != null && od.consecutiveLocalOriginFailures() > 0
                && !Boolean.TRUE.equals(od.splitExternalLocalOriginErrors())) {
            r.error(p + ".consecutiveLocalOriginFailures", "consecutiveLocalOriginFailures takes effect only with"
                    + " splitExternalLocalOriginErrors: true");
        }
        Checks.duration(r, p + ".interval", od.interval());
        Checks.duration(r, p + ".baseEjectionTime", od.baseEjectionTime());
        if (od.maxEjectionPercent() != null) {
            Checks.percent(r, p + ".maxEjectionPercent", od.maxEjectionPercent());
        }
        if (od.minHealthPercent() != null) {
            Checks.percent(r, p + ".minHealthPercent", od.minHealthPercent());
        }
    }

    private static void tls(ClientTlsSettings tls, String p, Report r) {
        if (tls == null) {
            return;
        }
        TlsMode mode = tls.mode() == null ? TlsMode.DISABLE : tls.mode();
        boolean files = tls.clientCertificate() != null || tls.privateKey() != null || tls.caCertificates() != null;
        if ((mode == TlsMode.DISABLE || mode == TlsMode.ISTIO_MUTUAL) && (files || tls.credentialName() != null)) {
            r.warning(p, "mode " + mode + " ignores clientCertificate, privateKey, caCertificates and credentialName"
                    + " (they are for SIMPLE and MUTUAL)");
        }
        if (mode == TlsMode.MUTUAL && tls.credentialName() == null) {
            if (tls.clientCertificate() == null) {
                r.error(p + ".clientCertificate", "missing: mode MUTUAL needs clientCertificate (or credentialName)");
            }
            if (tls.privateKey() == null) {
                r.error(p + ".privateKey", "missing: mode MUTUAL needs privateKey (or credentialName)");
            }
        }
        if (mode == TlsMode.SIMPLE && (tls.clientCertificate() != null || tls.privateKey() != null)) {
            r.warning(p, "mode SIMPLE sends no client certificate: clientCertificate and privateKey are ignored;"
                    + " use MUTUAL to send them");
        }
        boolean skip = Boolean.TRUE.equals(tls.insecureSkipVerify());
        boolean sans = tls.subjectAltNames() != null && !tls.subjectAltNames().isEmpty();
        if (skip && mode == TlsMode.SIMPLE && (tls.caCertificates() != null || tls.credentialName() != null || sans)) {
            r.error(p + ".insecureSkipVerify", "insecureSkipVerify cannot be set with caCertificates, credentialName"
                    + " or subjectAltNames in mode SIMPLE");
        } else if (skip && mode == TlsMode.MUTUAL && (tls.caCertificates() != null || sans)) {
            r.error(p + ".insecureSkipVerify", "insecureSkipVerify cannot be set with caCertificates or"
                    + " subjectAltNames in mode MUTUAL");
        } else if (skip) {
            r.warning(p + ".insecureSkipVerify", "the server certificate is not verified: anyone in the path can"
                    + " impersonate the server");
        }
        for (int i = 0; i < Checks.size(tls.subjectAltNames()); i++) {
            if (tls.subjectAltNames().get(i).isEmpty()) {
                r.warning(p + ".subjectAltNames[" + i + "]", "empty subject alternative name matches no certificate");
            }
        }
    }

    static void nonNegative(Report r, String p, Integer v) {
        if (v != null && v < 0) {
            r.error(p, q(v) + " is negative; expected 0 or more");
        }
    }
}

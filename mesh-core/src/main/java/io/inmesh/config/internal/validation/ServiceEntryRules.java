package io.inmesh.config.internal.validation;

import static io.inmesh.config.internal.validation.Report.q;

import io.inmesh.config.ServiceEntry;
import io.inmesh.config.ServiceEntry.Resolution;
import io.inmesh.config.WorkloadEntry;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Istio's ServiceEntry and WorkloadEntry rules. */
final class ServiceEntryRules {
    private ServiceEntryRules() {
    }

    static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "HTTP_PROXY", "MONGO",
            "MYSQL", "REDIS", "TCP", "TLS", "UDP");

    static void validate(ServiceEntry se, Report r) {
        ServiceEntry.Spec s = se.spec();
        if (Checks.size(s.hosts()) == 0) {
            r.error("spec.hosts", "missing: a ServiceEntry needs at least one host");
        }
        Resolution resolution = s.resolution() == null ? Resolution.NONE : s.resolution();
        for (int i = 0; i < Checks.size(s.hosts()); i++) {
            String h = s.hosts().get(i);
            String p = "spec.hosts[" + i + "]";
            if ("*".equals(h)) {
                r.error(p, "the wildcard host \"*\" is not allowed in a ServiceEntry");
                continue;
            }
            Checks.host(r, p, h, true);
            if (h != null && h.startsWith("*") && (resolution == Resolution.DNS
                    || resolution == Resolution.DNS_ROUND_ROBIN) && Checks.size(s.endpoints()) == 0) {
                r.error(p, "wildcard host " + q(h) + " cannot be resolved by DNS; list endpoints or use resolution NONE");
            }
        }
        for (int i = 0; i < Checks.size(s.addresses()); i++) {
            String a = s.addresses().get(i);
            String problem = Checks.ipOrCidrProblem(a);
            if (problem != null) {
                r.error("spec.addresses[" + i + "]", problem);
            } else if (a.contains("/") && resolution != Resolution.NONE && resolution != Resolution.STATIC) {
                r.error("spec.addresses[" + i + "]", "CIDR address " + q(a) + " is allowed only with resolution"
                        + " NONE or STATIC");
            }
        }
        Set<String> portNames = new HashSet<>();
        Set<Integer> portNumbers = new HashSet<>();
        for (int i = 0; i < Checks.size(s.ports()); i++) {
            var port = s.ports().get(i);
            String p = "spec.ports[" + i + "]";
            if (port.number() == null) {
                r.error(p + ".number", "missing: a port needs a number");
            } else {
                Checks.port(r, p + ".number", port.number());
                if (!portNumbers.add(port.number())) {
                    r.error(p + ".number", "duplicate port number " + port.number());
                }
            }
            Checks.portOrUnset(r, p + ".targetPort", port.targetPort());
            if (port.name() == null || port.name().isEmpty()) {
                r.error(p + ".name", "missing: a port needs a name, such as http or tcp-db");
            } else if (!Checks.isDns1123Label(port.name())) {
                r.error(p + ".name", "port name " + q(port.name()) + " is not a valid DNS-1123 label");
            } else if (!portNames.add(port.name())) {
                r.error(p + ".name", "duplicate port name " + q(port.name()));
            }
            if (port.protocol() != null && !PROTOCOLS.contains(port.protocol().toUpperCase(Locale.ROOT))) {
                r.error(p + ".protocol", "unknown protocol " + q(port.protocol()) + "; expected one of "
                        + String.join(", ", PROTOCOLS.stream().sorted().toList()));
            }
        }
        if (resolution != Resolution.NONE && Checks.size(s.hosts()) > 1) {
            for (int i = 0; i < Checks.size(s.ports()); i++) {
                String proto = s.ports().get(i).protocol() == null ? "" : s.ports().get(i).protocol().toUpperCase(Locale.ROOT);
                if (!proto.equals("HTTP") && !proto.equals("HTTPS") && !proto.equals("HTTP2") && !proto.equals("GRPC")
                        && !proto.equals("GRPC-WEB") && !proto.equals("TLS") && !proto.equals("HTTP_PROXY")) {
                    r.error("spec.ports[" + i + "].protocol", "several hosts with resolution " + resolution
                            + " need HTTP or TLS ports (host-based routing); port " + q(proto.isEmpty() ? "unset" : proto)
                            + " cannot tell the hosts apart");
                }
            }
        }
        if (resolution == Resolution.DNS_ROUND_ROBIN && Checks.size(s.endpoints()) > 1) {
            r.error("spec.endpoints", "resolution DNS_ROUND_ROBIN takes at most one endpoint; use DNS for several");
        }
        if (s.workloadSelector() != null && s.endpoints() != null) {
            r.error("spec.workloadSelector", "set only one of workloadSelector and endpoints");
        }
        if (s.workloadSelector() != null) {
            Checks.labels(r, "spec.workloadSelector.labels", s.workloadSelector().labels());
        }
        if (resolution == Resolution.NONE && Checks.size(s.endpoints()) > 0) {
            r.error("spec.endpoints", "resolution NONE takes no endpoints; use STATIC (IP addresses) or DNS");
        }
        for (int i = 0; i < Checks.size(s.endpoints()); i++) {
            var ep = s.endpoints().get(i);
            String p = "spec.endpoints[" + i + "]";
            workloadSpec(ep, p, r);
            if (resolution == Resolution.STATIC && ep.address() != null && !Checks.isIp(ep.address())
                    && !ep.address().startsWith("unix://")) {
                r.error(p + ".address", "address " + q(ep.address()) + " is not an IP address; resolution STATIC"
                        + " needs IP addresses (use DNS for host names)");
            }
            if (ep.address() != null && ep.address().startsWith("unix://") && ep.ports() != null) {
                r.error(p + ".ports", "a unix:// endpoint takes no ports");
            }
            for (String name : Checks.map(ep.ports()).keySet()) {
                if (!portNames.contains(name)) {
                    r.error(p + ".ports[" + name + "]", "endpoint port " + q(name)
                            + " names no port of this ServiceEntry; expected one of " + portNames);
                }
            }
        }
    }

    static void validate(WorkloadEntry we, Report r) {
        workloadSpec(we.spec(), "spec", r);
    }

    private static void workloadSpec(WorkloadEntry.Spec s, String p, Report r) {
        if ((s.address() == null || s.address().isEmpty()) && s.network() == null) {
            r.error(p + ".address", "missing: a workload needs an address");
        } else if (s.address() != null && s.address().startsWith("unix://")) {
            String path = s.address().substring("unix://".length());
            if (!(path.startsWith("/") || path.startsWith("@")) || path.endsWith("/") || path.length() < 2) {
                r.error(p + ".address", "unix address " + q(s.address()) + " needs an absolute socket path or"
                        + " @abstract name, not ending in /");
            }
            if (s.ports() != null) {
                r.error(p + ".ports", "a unix:// address takes no ports");
            }
        } else if (s.address() != null && !Checks.isIp(s.address())) {
            String problem = Checks.hostProblem(s.address(), false);
            if (problem != null) {
                r.error(p + ".address", "address " + q(s.address()) + " is neither an IP address nor a DNS name: "
                        + problem);
            }
        }
        for (var e : Checks.map(s.ports()).entrySet()) {
            if (!Checks.isDns1123Label(e.getKey())) {
                r.error(p + ".ports[" + e.getKey() + "]", "port name " + q(e.getKey()) + " is not a valid DNS-1123 label");
            }
            Checks.port(r, p + ".ports[" + e.getKey() + "]", e.getValue());
        }
        Checks.labels(r, p + ".labels", s.labels());
        DestinationRuleRules.nonNegative(r, p + ".weight", s.weight());
    }
}

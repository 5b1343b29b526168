package io.inmesh.spring;

import io.inmesh.telemetry.AccessLogFormat;
import io.inmesh.telemetry.Propagation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code mesh.*} properties of the InMesh starter.
 *
 * <pre>{@code
 * mesh:
 *   namespace: shop
 *   service-account: frontend
 *   labels: {app: frontend, version: v1}
 *   trust-domain: cluster.local
 *   certificates:                       # mutual TLS between workloads
 *     source: built-in-ca               # or pem-files (cert-manager, SPIRE, Istio-mounted secrets)
 *     ca-directory: /var/run/inmesh/ca  # the built-in CA's key and root, created when empty
 *   config:
 *     locations: [/etc/inmesh]          # files, directories or mounted ConfigMaps, watched
 *   tracing:
 *     sampling-percent: 1.0
 *     propagation: [tracecontext, baggage]
 *   access-log:
 *     format: json
 *   metrics:
 *     enabled: true
 *   kubernetes:                         # with mesh-kubernetes on the classpath
 *     enabled: true
 *     config-maps: [mesh-config]        # or config-map-selector: inmesh.io/config=true
 *     endpoints: true                   # EndpointSlices and Pods
 *     pod-identity: true                # namespace, service account, labels from the pod
 * }</pre>
 *
 * @param enabled        the kill switch: false leaves the application as if the starter were absent (no mesh, no
 *                       filter, no mesh TLS); @MeshClient clients then call the same URLs directly
 * @param namespace      the workload's namespace (Kubernetes namespace); by default @MeshService's namespace, else
 *                       default
 * @param serviceAccount the workload's service account, part of its SPIFFE identity; by default @MeshService's
 *                       service account or name, else default
 * @param labels         the workload's labels, as a pod's (app, version); route matches on
 *                       sourceLabels, policy selectors and Istio's metric labels read them. They are added to
 *                       @MeshService's app and version labels; without an app label, spring.application.name is used
 *                       when set
 * @param trustDomain    the trust domain of the mesh's SPIFFE identities (spiffe://TRUST-DOMAIN/ns/NS/sa/SA);
 *                       cluster.local, as Istio's default
 * @param certificates   where the workload certificate for mutual TLS comes from; none by default (no mTLS: calls
 *                       that need it fail closed)
 * @param server         how the application's web server takes part in the mesh
 * @param config         where the Istio YAML comes from
 * @param tracing        spans and trace-context propagation
 * @param accessLog      the access log (logger io.inmesh.accesslog)
 * @param metrics        Istio's standard metrics in the application's Micrometer registry
 * @param kubernetes     the Kubernetes API as a config source, endpoint registry and identity (needs
 *                       mesh-kubernetes on the classpath)
 * @param trustForwardedHeaders whether the application may take its client's address from X-Forwarded-For or
 *                       Forwarded (server.forward-headers-strategy native or framework). Off by default: the mesh
 *                       matches AuthorizationPolicy source.ipBlocks against the connection's peer, as Istio does, and a
 *                       forwarded address would let any caller choose it. The starter sets the strategy to none
 *                       unless the application sets it, and refuses to start when it is set without this
 */
@ConfigurationProperties("mesh")
public record MeshProperties(
        @DefaultValue("true") boolean enabled,
        String namespace,
        String serviceAccount,
        Map<String, String> labels,
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue Certificates certificates,
        @DefaultValue Server server,
        @DefaultValue Config config,
        @DefaultValue Tracing tracing,
        @DefaultValue AccessLog accessLog,
        @DefaultValue Metrics metrics,
        @DefaultValue Kubernetes kubernetes,
        @DefaultValue("false") boolean trustForwardedHeaders) {

    public MeshProperties {
        if (namespace != null && namespace.isBlank()) {
            throw new IllegalArgumentException("mesh.namespace must not be blank (the workload's namespace;"
                    + " leave it unset for \"default\")");
        }
        if (serviceAccount != null && serviceAccount.isBlank()) {
            throw new IllegalArgumentException("mesh.service-account must not be blank (leave it unset for"
                    + " @MeshService's name, or \"default\")");
        }
        if (trustDomain == null || trustDomain.isBlank()) {
            throw new IllegalArgumentException("mesh.trust-domain must not be blank (leave it unset for"
                    + " cluster.local)");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /**
     * The workload certificate and trust bundle for mutual TLS between workloads.
     *
     * @param source       none (no mTLS), built-in-ca (certificates issued in process by the CA kept in
     *                     ca-directory, renewed at half their lifetime) or pem-files (cert-chain.pem, key.pem and
     *                     root-cert.pem in directory, written by cert-manager, a SPIRE helper or an Istio-mounted
     *                     secret; watched, and a bad replacement keeps the last good material)
     * @param caDirectory  built-in-ca: the directory of the CA (root-cert.pem and root-key.pem as mesh ca init
     *                     writes them, or Istio's cacerts layout); a new root CA is created there when it holds
     *                     none. Every workload of one mesh uses the same CA
     * @param ttl          built-in-ca: the lifetime of a workload certificate; 24 hours, as Istio's
     * @param directory    pem-files: the directory holding the files
     * @param certChainFile pem-files: the certificate chain's file name, leaf first (tls.crt for a Kubernetes TLS
     *                     secret)
     * @param keyFile      pem-files: the private key's file name (tls.key for a Kubernetes TLS secret)
     * @param rootCertFile pem-files: the trust bundle's file name (ca.crt for a Kubernetes TLS secret)
     */
    public record Certificates(@DefaultValue("none") CertificateSourceKind source, Path caDirectory,
                               @DefaultValue("24h") Duration ttl, Path directory,
                               @DefaultValue("cert-chain.pem") String certChainFile,
                               @DefaultValue("key.pem") String keyFile,
                               @DefaultValue("root-cert.pem") String rootCertFile) {
        public Certificates {
            if (source == CertificateSourceKind.BUILT_IN_CA && caDirectory == null) {
                throw new IllegalArgumentException("mesh.certificates.ca-directory is required with"
                        + " mesh.certificates.source=built-in-ca (the directory of the mesh's CA, shared by its"
                        + " workloads; created when empty)");
            }
            if (source == CertificateSourceKind.PEM_FILES && directory == null) {
                throw new IllegalArgumentException("mesh.certificates.directory is required with"
                        + " mesh.certificates.source=pem-files (the directory holding " + certChainFile + ", "
                        + keyFile + " and " + rootCertFile + ")");
            }
            if (ttl == null || ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("mesh.certificates.ttl: " + ttl + " (expected: a positive"
                        + " duration such as 24h)");
            }
        }
    }

    /** Where the workload certificate comes from. */
    public enum CertificateSourceKind {
        /** No workload certificate: no mutual TLS. */
        NONE,
        /** Issued in process by the built-in CA in {@code mesh.certificates.ca-directory}. */
        BUILT_IN_CA,
        /** PEM files in {@code mesh.certificates.directory}, watched. */
        PEM_FILES
    }

    /**
     * The application's web server in the mesh.
     *
     * @param tls whether server.port serves the mesh's TLS (the workload certificate; a client certificate is
     *            requested and, when given, verified against the mesh's trust bundle and its SPIFFE ID handed to
     *            authorization) when the mesh has certificates and server.ssl is not configured. PeerAuthentication
     *            decides per request: STRICT refuses a request without a verified client certificate (403), PERMISSIVE
     *            lets it through without an identity. On Reactor Netty the port also takes plaintext HTTP (TLS is
     *            detected per connection, as Istio's sidecar does); Tomcat and Jetty take TLS only, or plaintext only
     *            when the port's mode at start-up is DISABLE
     */
    public record Server(@DefaultValue("true") boolean tls) {
    }

    /**
     * Where the mesh configuration (Istio YAML) is read from.
     *
     * @param locations files, directories (every *.yaml/*.yml below) or mounted Kubernetes
     *                  ConfigMaps (told apart by their ..data entry), read as one set and watched; a bad
     *                  edit keeps the last good configuration. None: an empty configuration (calls pass through to
     *                  DNS, every inbound request is allowed)
     */
    public record Config(List<Path> locations) {
        public Config {
            locations = locations == null ? List.of() : List.copyOf(locations);
        }
    }

    /**
     * Spans and trace-context propagation.
     *
     * @param enabled         whether the mesh creates spans (trace context is propagated either way)
     * @param samplingPercent the percentage of new traces that are sampled, 0 to 100 (Istio's default is 1); an
     *                        incoming sampled flag is always honoured
     * @param propagation     the header formats read on inbound requests and written on outbound tries:
     *                        tracecontext, baggage, b3 (single header), b3-multi
     */
    public record Tracing(@DefaultValue("true") boolean enabled,
                          @DefaultValue("1.0") double samplingPercent,
                          @DefaultValue({"tracecontext", "baggage"}) List<Propagation> propagation) {
        public Tracing {
            if (!(samplingPercent >= 0 && samplingPercent <= 100)) {
                throw new IllegalArgumentException("mesh.tracing.sampling-percent: " + samplingPercent
                        + " is outside 0..100 (a percentage: 1 samples one new trace in a hundred)");
            }
            if (propagation == null || propagation.isEmpty()) {
                throw new IllegalArgumentException("mesh.tracing.propagation: give at least one of tracecontext,"
                        + " baggage, b3, b3-multi");
            }
            propagation = List.copyOf(propagation);
        }
    }

    /**
     * The access log: one line per request on the logger io.inmesh.accesslog.
     *
     * @param format off (the default, as Istio's), text or json
     */
    public record AccessLog(@DefaultValue("off") AccessLogFormat format) {
    }

    /**
     * Metrics.
     *
     * @param enabled whether Istio's standard metrics (istio_requests_total and the others) are recorded
     *                in the application's MeterRegistry bean, when there is one
     */
    public record Metrics(@DefaultValue("true") boolean enabled) {
    }

    /**
     * The Kubernetes API (module mesh-kubernetes on the classpath; in-cluster credentials or the kubeconfig as
     * fabric8 finds them).
     *
     * @param enabled           whether to use it; off by default
     * @param namespace         the namespace whose ConfigMaps, Services, EndpointSlices and Pods are watched; the
     *                          workload's namespace by default
     * @param configMaps        ConfigMaps whose *.yaml/*.yml keys are mesh configuration, watched through the API
     *                          (read with mesh.config.locations as one set)
     * @param configMapSelector a label selector picking ConfigMaps of mesh configuration, e.g.
     *                          inmesh.io/config=true
     * @param endpoints         whether endpoints and their subset labels come from EndpointSlices and Pods
     * @param podIdentity       whether the workload's namespace, service account and labels come from the pod
     *                          (service-account mount or POD_NAMESPACE, POD_SERVICE_ACCOUNT, the downward-API labels
     *                          file); mesh.labels are added on top
     */
    public record Kubernetes(@DefaultValue("false") boolean enabled, String namespace, List<String> configMaps,
                             String configMapSelector, @DefaultValue("true") boolean endpoints,
                             @DefaultValue("false") boolean podIdentity) {
        public Kubernetes {
            configMaps = configMaps == null ? List.of() : List.copyOf(configMaps);
            if (namespace != null && namespace.isBlank()) {
                throw new IllegalArgumentException("mesh.kubernetes.namespace must not be blank (leave it unset for"
                        + " the workload's namespace)");
            }
        }
    }
}

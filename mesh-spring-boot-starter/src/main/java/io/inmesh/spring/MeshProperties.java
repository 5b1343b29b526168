package io.inmesh.spring;

import io.inmesh.telemetry.AccessLogFormat;
import io.inmesh.telemetry.Propagation;
import java.nio.file.Path;
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
 *                       filter, no client)
 * @param namespace      the workload's namespace (Kubernetes namespace); default by default
 * @param serviceAccount the workload's service account, part of its SPIFFE identity; default by default
 * @param labels         the workload's labels, as a pod's (app, version); route matches on
 *                       sourceLabels, policy selectors and Istio's metric labels read them. Without an
 *                       app label, spring.application.name is used when set
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
        @DefaultValue("default") String namespace,
        @DefaultValue("default") String serviceAccount,
        Map<String, String> labels,
        @DefaultValue Config config,
        @DefaultValue Tracing tracing,
        @DefaultValue AccessLog accessLog,
        @DefaultValue Metrics metrics,
        @DefaultValue Kubernetes kubernetes,
        @DefaultValue("false") boolean trustForwardedHeaders) {

    public MeshProperties {
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("mesh.namespace must not be blank (the workload's namespace;"
                    + " leave it unset for \"default\")");
        }
        if (serviceAccount == null || serviceAccount.isBlank()) {
            throw new IllegalArgumentException("mesh.service-account must not be blank (leave it unset for"
                    + " \"default\")");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
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

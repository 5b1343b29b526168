package io.inmesh.spring.internal;

import io.inmesh.Workload;
import io.inmesh.config.source.WatchOptions;
import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import io.inmesh.spring.MeshProperties;
import java.io.IOException;
import java.time.Clock;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Condition;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The workload certificate source {@code mesh.certificates.*} asks for. */
public final class MeshCertificates {
    private static final System.Logger LOG = System.getLogger("io.inmesh.spring");
    private MeshCertificates() {
    }

    /**
     * Opens the source for {@code workload}'s SPIFFE identity.
     *
     * @throws IllegalStateException naming the property when the CA or the files cannot be used
     */
    public static CertificateSource open(MeshProperties properties, Workload workload) {
        MeshProperties.Certificates c = properties.certificates();
        SpiffeId identity = SpiffeId.of(properties.trustDomain(), workload);
        try {
            switch (c.source()) {
                case BUILT_IN_CA:
                    return CertificateSources.builtInCa(c.caDirectory(), identity, c.ttl(), Clock.systemUTC());
                case PEM_FILES:
                    CertificateSource files = CertificateSources.pemFiles(c.directory(), c.certChainFile(),
                            c.keyFile(), c.rootCertFile(), WatchOptions.defaults());
                    SpiffeId inFiles = files.current().spiffeId();
                    if (!inFiles.equals(identity)) {
                        LOG.log(System.Logger.Level.WARNING, "InMesh: the certificate in " + c.directory() + " is for "
                                + inFiles + ", not for this workload's " + identity + " (mesh.namespace,"
                                + " mesh.service-account): peers and their policies see " + inFiles);
                    }
                    return files;
                default:
                    throw new IllegalStateException("mesh.certificates.source is none");
            }
        } catch (IOException | IllegalArgumentException e) {
            String property = c.source() == MeshProperties.CertificateSourceKind.BUILT_IN_CA
                    ? "mesh.certificates.ca-directory " + c.caDirectory()
                    : "mesh.certificates.directory " + c.directory();
            throw new MeshStartupException(property + ": cannot get a workload certificate for " + identity + ": "
                    + e.getMessage(), c.source() == MeshProperties.CertificateSourceKind.BUILT_IN_CA
                    ? "Point mesh.certificates.ca-directory at the mesh's CA (or an empty directory for a new one)"
                    + " that this process may read and write."
                    : "Make sure the files exist, are PEM, match (key and leaf), verify to the roots, are valid now and"
                    + " carry one SPIFFE ID in the trust domain.", e);
        }
    }

    /** Matches when {@code mesh.certificates.source} is set to something other than none. */
    public static final class Configured implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return Binder.get(context.getEnvironment())
                    .bind("mesh.certificates.source", MeshProperties.CertificateSourceKind.class)
                    .map(kind -> kind != MeshProperties.CertificateSourceKind.NONE).orElse(false);
        }
    }
}

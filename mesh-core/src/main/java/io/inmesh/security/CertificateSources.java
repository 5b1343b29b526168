package io.inmesh.security;

import io.inmesh.config.source.WatchOptions;
import io.inmesh.security.internal.ca.BuiltInCaSource;
import io.inmesh.security.internal.ca.CertificateAuthority;
import io.inmesh.security.internal.tls.BundleCheck;
import io.inmesh.security.internal.tls.PemFilesSource;
import io.inmesh.security.internal.tls.Scheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Creates {@link CertificateSource}s.
 *
 * <table>
 *   <caption>Sources</caption>
 *   <tr><th>source</th><th>material</th><th>renewal</th></tr>
 *   <tr><td>{@link #builtInCa(Path, SpiffeId)}</td><td>an ECDSA P-256 X.509-SVID for the identity, signed by the CA
 *       in the directory (created there when absent)</td><td>at half the lifetime, with a little jitter</td></tr>
 *   <tr><td>{@link #pemFiles(Path)}</td><td>{@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem} as
 *       something else writes them (cert-manager, an Istio-mounted secret, a SPIRE helper)</td><td>whenever the files
 *       change: watched, a Kubernetes volume's {@code ..data} swap included</td></tr>
 * </table>
 */
public final class CertificateSources {
    /** Istio's workload certificate lifetime: 24 hours. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);
    /** Istio's file names. */
    public static final String CERT_CHAIN = "cert-chain.pem";
    public static final String KEY = "key.pem";
    public static final String ROOT_CERT = "root-cert.pem";

    private CertificateSources() {
    }

    /** {@link #builtInCa(Path, SpiffeId, Duration, Clock)} with 24 h certificates on the system clock. */
    public static CertificateSource builtInCa(Path caDir, SpiffeId identity) throws IOException {
        return builtInCa(caDir, identity, DEFAULT_TTL, Clock.systemUTC());
    }

    /**
     * Certificates for {@code identity} from the built-in CA in {@code caDir}, each valid for {@code ttl} (cut to the
     * CA's own expiry) and renewed at half its lifetime with a little jitter.
     *
     * <p>The CA is loaded from {@code caDir}: a root ({@code root-cert.pem}, {@code root-key.pem}, as {@code mesh ca
     * init} writes them) or an intermediate in the layout of Istio's {@code cacerts} secret ({@code ca-cert.pem},
     * {@code ca-key.pem}, {@code root-cert.pem}, optionally {@code cert-chain.pem}). When the directory holds no CA
     * file, a root CA for the identity's trust domain is created there (ECDSA P-256, ten years, the key in mode
     * 0600); processes sharing the directory take a file lock so only one creates it.
     *
     * @throws IOException              when the CA cannot be read or created, or is corrupt or inconsistent (the
     *                                  message names the file and the problem; a corrupt CA is never replaced)
     * @throws IllegalArgumentException when the identity is outside the CA's trust domain or {@code ttl} is not
     *                                  positive
     */
    public static CertificateSource builtInCa(Path caDir, SpiffeId identity, Duration ttl, Clock clock)
            throws IOException {
        Objects.requireNonNull(caDir, "caDir");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir, identity.trustDomain(), clock);
        Scheduler scheduler = Scheduler.daemon("inmesh-ca-renewal " + identity);
        try {
            return BuiltInCaSource.start(ca, identity, ttl, clock, scheduler, new SplittableRandom());
        } catch (IOException | RuntimeException e) {
            scheduler.close();
            throw e;
        }
    }

    /** {@link #pemFiles(Path, WatchOptions)} with the default watch options. */
    public static CertificateSource pemFiles(Path dir) throws IOException {
        return pemFiles(dir, WatchOptions.defaults());
    }

    /**
     * Material from {@code cert-chain.pem} (leaf first), {@code key.pem} and {@code root-cert.pem} in {@code dir},
     * watched: new content that passes the checks replaces the current bundle; content that does not (expired, a key
     * that does not match, a chain that does not verify to the roots, a leaf without exactly one SPIFFE ID) is refused
     * with the reason in {@link CertificateSource#lastRejection()}, and the current bundle stays.
     *
     * @throws IOException when the files cannot be read or are not usable now (there is no earlier material to keep)
     */
    public static CertificateSource pemFiles(Path dir, WatchOptions options) throws IOException {
        return pemFiles(dir, CERT_CHAIN, KEY, ROOT_CERT, options);
    }

    /**
     * Like {@link #pemFiles(Path, WatchOptions)} with other file names, such as a Kubernetes TLS secret's or
     * cert-manager's CSI driver's defaults: {@code pemFiles(dir, "tls.crt", "tls.key", "ca.crt", options)}.
     */
    public static CertificateSource pemFiles(Path dir, String certChainFile, String keyFile, String rootCertFile,
                                             WatchOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        BundleCheck.Names names = new BundleCheck.Names(Objects.requireNonNull(certChainFile, "certChainFile"),
                Objects.requireNonNull(keyFile, "keyFile"), Objects.requireNonNull(rootCertFile, "rootCertFile"));
        Scheduler scheduler = Scheduler.daemon("inmesh-pem-retry " + dir);
        try {
            return PemFilesSource.open(dir, names, options, Clock.systemUTC(), scheduler);
        } catch (IOException | RuntimeException e) {
            scheduler.close();
            throw e;
        }
    }
}

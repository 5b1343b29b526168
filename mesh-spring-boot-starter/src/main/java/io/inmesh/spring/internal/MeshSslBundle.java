package io.inmesh.spring.internal;

import io.inmesh.Mesh;
import io.inmesh.security.CertificateBundle;
import io.inmesh.security.MeshTls;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * Registers the mesh's TLS material ({@link Mesh#tls()}, when the mesh has one) as the Spring Boot SSL bundle
 * {@value #NAME}: the workload certificate and key, and the mesh's trust bundle as trust store. When the mesh takes
 * new material (rotation), the bundle is updated: Spring Boot's Tomcat, which serves the bundle, reloads it for new
 * connections; live connections keep theirs.
 *
 * <p>The key store lives only in memory, under a random password made for it.
 */
public final class MeshSslBundle implements SslBundleRegistrar, AutoCloseable {
    /** The bundle's name ({@code server.ssl.bundle=mesh}). */
    public static final String NAME = "mesh";
    private static final System.Logger LOG = System.getLogger("io.inmesh.spring");
    private static final String ALIAS = "mesh";

    private final MeshTls tls;
    private volatile AutoCloseable listener;
    private volatile CertificateBundle registered;

    public MeshSslBundle(Mesh mesh) {
        this.tls = mesh.tls();
    }

    @Override
    public void registerBundles(SslBundleRegistry registry) {
        if (tls == null) {
            return;
        }
        CertificateBundle current = tls.current();
        registry.registerBundle(NAME, bundle(current));
        registered = current;
        // called after the mesh took new material: what its own connections use from now on
        listener = tls.addListener(ignored -> {
            CertificateBundle now = tls.current();
            if (now != registered) {
                try {
                    registry.updateBundle(NAME, bundle(now));
                    registered = now;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "InMesh could not update the SSL bundle '" + NAME
                            + "' to " + now + ": " + e.getMessage());
                }
            }
        });
    }

    /** The SSL bundle of {@code material}: key store with the key and chain, trust store with the roots. */
    public static SslBundle bundle(CertificateBundle material) {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getEncoder().encodeToString(random);
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(ALIAS, material.privateKey(), password.toCharArray(),
                    material.chain().toArray(new X509Certificate[0]));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate root : material.trustAnchors()) {
                trust.setCertificateEntry("root-" + i++, root);
            }
            return SslBundle.of(SslStoreBundle.of(keys, password, trust), SslBundleKey.of(password, ALIAS),
                    SslOptions.of(null, new String[] {"TLSv1.3", "TLSv1.2"}), "TLS");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the mesh's TLS material in a key store: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public void close() throws Exception {
        AutoCloseable l = listener;
        if (l != null) {
            l.close();
        }
    }
}

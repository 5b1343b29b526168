package io.inmesh.security;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Mints certificates for tests with BouncyCastle, good and deliberately bad ones (another CA, expired, two URI SANs,
 * a CA certificate as leaf), and builds plain JDK TLS contexts that present them without checking them first.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPki() {
    }

    /** A key and its certificate. */
    public record Issued(PrivateKey key, X509Certificate cert) {
    }

    public static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed root CA, valid from an hour ago for a year. */
    public static Issued rootCa(String name) {
        KeyPair kp = ecKeyPair();
        return new Issued(kp.getPrivate(), leaf(new Issued(kp.getPrivate(), null), kp).subject(name).ca(true).build());
    }

    /** A self-signed root CA with exactly the name of {@code name} (same attributes, same order), but its own key. */
    public static Issued rootCa(X500Principal name) {
        KeyPair kp = ecKeyPair();
        Builder b = leaf(new Issued(kp.getPrivate(), null), kp).ca(true);
        b.subjectName = X500Name.getInstance(name.getEncoded());
        return new Issued(kp.getPrivate(), b.build());
    }

    /** Starts a certificate signed by {@code issuer} (null cert: self-signed) for a new key. */
    public static Builder leaf(Issued issuer) {
        return new Builder(issuer, ecKeyPair());
    }

    /** Starts a certificate signed by {@code issuer} for {@code keyPair}. */
    public static Builder leaf(Issued issuer, KeyPair keyPair) {
        return new Builder(issuer, keyPair);
    }

    /** A certificate under construction: by default a 24 h mesh leaf (CA:FALSE, digitalSignature, both EKUs). */
    public static final class Builder {
        private final Issued issuer;
        private final KeyPair keyPair;
        private final List<String> uris = new ArrayList<>();
        private String subject = "";
        private X500Name subjectName;
        private boolean ca;
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofHours(23));

        private Builder(Issued issuer, KeyPair keyPair) {
            this.issuer = issuer;
            this.keyPair = keyPair;
        }

        public Builder uri(String uri) {
            uris.add(uri);
            return this;
        }

        public Builder subject(String x500) {
            this.subject = x500;
            return this;
        }

        public Builder ca(boolean ca) {
            this.ca = ca;
            return this;
        }

        public Builder validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        public X509Certificate build() {
            try {
                X500Name subjectName = this.subjectName != null ? this.subjectName
                        : subject.isEmpty() ? new X500Name(new RDN[0]) : new X500Name(subject);
                X500Name issuerName = issuer.cert() == null ? subjectName
                        : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
                        new BigInteger(64, RANDOM).setBit(63), Date.from(notBefore), Date.from(notAfter), subjectName,
                        keyPair.getPublic());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                        | KeyUsage.digitalSignature : KeyUsage.digitalSignature));
                if (!ca) {
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                            KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                }
                if (!uris.isEmpty()) {
                    GeneralName[] names = uris.stream()
                            .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
                            .toArray(GeneralName[]::new);
                    b.addExtension(Extension.subjectAlternativeName, subject.isEmpty(), new GeneralNames(names));
                }
                return new JcaX509CertificateConverter().getCertificate(
                        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
            } catch (Exception e) {
                throw new IllegalStateException("minting a test certificate failed", e);
            }
        }

        /** Builds, and returns the certificate with its key. */
        public Issued issue() {
            return new Issued(keyPair.getPrivate(), build());
        }
    }

    /**
     * A plain JDK context that presents {@code chain} with {@code key} whatever they are and whatever the peer asks for
     * (no mesh checks; null key: no certificate), and trusts {@code roots} with the JDK's own PKIX trust manager (no
     * host name check).
     */
    public static SSLContext jdkContext(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> roots) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                ts.setCertificateEntry("root" + i, roots.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            KeyManager[] kms = key == null ? new KeyManager[0]
                    : new KeyManager[] {new FixedKeyManager(key, chain.toArray(new X509Certificate[0]))};
            ctx.init(kms, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("building a JDK TLS context failed", e);
        }
    }

    /** Always presents its one key and chain. */
    private static final class FixedKeyManager extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        FixedKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"fixed"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "fixed";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "fixed";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {"fixed"};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keyType.startsWith(key.getAlgorithm()) ? "fixed" : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return keyType.startsWith(key.getAlgorithm()) ? "fixed" : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }
}

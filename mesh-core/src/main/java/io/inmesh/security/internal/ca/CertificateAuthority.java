package io.inmesh.security.internal.ca;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.SpiffeId;
import io.inmesh.security.internal.tls.BundleCheck;
import io.inmesh.security.internal.tls.InvalidMaterialException;
import io.inmesh.security.internal.tls.Pem;
import io.inmesh.security.internal.tls.PkixChain;
import io.inmesh.security.internal.tls.SecureFiles;
import io.inmesh.security.internal.tls.Svid;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The built-in CA: a signing certificate and key in a directory, issuing X.509-SVID workload certificates.
 *
 * <h2>Directory layouts</h2>
 * <ul>
 *   <li>A root, as {@link #create} (and {@code mesh ca init}) writes it: {@code root-cert.pem} (the root; further
 *       certificates in the file are extra trust anchors, for a root rotation) and {@code root-key.pem} (mode 0600).
 *       Workload chains are the leaf alone.</li>
 *   <li>An intermediate, in the layout of Istio's {@code cacerts} secret: {@code ca-cert.pem} (the signing
 *       certificate), {@code ca-key.pem}, {@code root-cert.pem}, and optionally {@code cert-chain.pem} (the signing
 *       certificate's chain up to the root, as Istio documents it). Workload chains are the leaf, the signing
 *       certificate and the intermediates above it; never the root.</li>
 * </ul>
 * A directory holding part of either layout (a certificate without its key) is refused rather than overwritten.
 *
 * <h2>Issued certificates</h2>
 * An ECDSA P-256 key; an empty subject and the SPIFFE ID as the only subject alternative name (critical, as RFC 5280
 * wants with an empty subject); {@code CA:FALSE} (critical); key usage {@code digitalSignature} (critical); extended
 * key usage {@code serverAuth, clientAuth}; authority and subject key identifiers. Valid from one minute before
 * issuance (clock skew between peers) until the TTL is over, cut to the CA's own expiry.
 */
public final class CertificateAuthority {
    public static final String ROOT_CERT = "root-cert.pem";
    public static final String ROOT_KEY = "root-key.pem";
    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String CERT_CHAIN = "cert-chain.pem";
    /** A created root lives ten years, as Istio's self-signed root does. */
    public static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
    /** Issued certificates start this long before issuance, for peers whose clocks are a little behind. */
    static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final String LOCK_FILE = ".inmesh-ca.lock";
    private static final Object JVM_LOCK = new Object();
    private static final System.Logger LOG = System.getLogger("io.inmesh.security");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path dir;
    private final X509Certificate signingCert;
    private final PrivateKey signingKey;
    private final List<X509Certificate> chainAfterLeaf;
    private final List<X509Certificate> roots;
    private final String trustDomain;
    private final String certFile;

    private CertificateAuthority(Path dir, X509Certificate signingCert, PrivateKey signingKey,
                                 List<X509Certificate> chainAfterLeaf, List<X509Certificate> roots, String certFile)
            throws InvalidMaterialException {
        this.dir = dir;
        this.signingCert = signingCert;
        this.signingKey = signingKey;
        this.chainAfterLeaf = List.copyOf(chainAfterLeaf);
        this.roots = List.copyOf(roots);
        this.certFile = certFile;
        String td = trustDomainOf(signingCert);
        this.trustDomain = td != null ? td : trustDomainOf(roots.get(0));
    }

    /** Whether {@code dir} holds any file of a CA layout. */
    public static boolean exists(Path dir) {
        for (String f : List.of(ROOT_CERT, ROOT_KEY, CA_CERT, CA_KEY)) {
            if (Files.exists(dir.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Loads the CA in {@code dir}, or creates a root for {@code trustDomain} there when the directory holds no CA file
     * (creating the directory, mode 0700, when missing). Processes sharing the directory take a file lock, so only one
     * creates it.
     */
    public static CertificateAuthority loadOrCreate(Path dir, String trustDomain, Clock clock) throws IOException {
        return locked(dir, () -> exists(dir) ? load(dir, clock) : createUnlocked(dir, trustDomain, clock));
    }

    /**
     * Creates a root CA for {@code trustDomain} in {@code dir}: {@code root-key.pem} (0600) and {@code root-cert.pem}.
     *
     * @throws FileAlreadyExistsException when the directory already holds a CA file
     * @throws IllegalArgumentException                  when the trust domain is not valid
     */
    public static CertificateAuthority create(Path dir, String trustDomain, Clock clock) throws IOException {
        return locked(dir, () -> {
            if (exists(dir)) {
                throw new FileAlreadyExistsException(dir.toString(), null,
                        "already holds a CA (" + ROOT_CERT + " or " + CA_CERT + "); not overwritten: remove it"
                                + " first or choose another directory");
            }
            return createUnlocked(dir, trustDomain, clock);
        });
    }

    private interface LockedAction {
        CertificateAuthority run() throws IOException;
    }

    private static CertificateAuthority locked(Path dir, LockedAction action) throws IOException {
        createDirectory(dir);
        synchronized (JVM_LOCK) {
            try (FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = ch.lock(); // released when the channel closes
                try {
                    return action.run();
                } finally {
                    lock.release();
                }
            }
        }
    }

    private static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    private static CertificateAuthority createUnlocked(Path dir, String trustDomain, Clock clock) throws IOException {
        new SpiffeId(trustDomain, "/ns/x/sa/x"); // checks the trust domain, with the same message as IDs get
        KeyPair pair = newKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, trustDomain)
                .addRDN(BCStyle.CN, "InMesh Root CA").build();
        X509Certificate root;
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(ROOT_VALIDITY)), name, pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
            root = new JcaX509CertificateConverter().getCertificate(b.build(signer(pair.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("creating the root certificate failed", e);
        }
        SecureFiles.create(dir.resolve(ROOT_KEY), Pem.privateKey(pair.getPrivate()), true);
        SecureFiles.create(dir.resolve(ROOT_CERT), Pem.certificates(List.of(root)), false);
        LOG.log(Level.INFO, () -> "created a root CA for trust domain " + trustDomain + " in " + dir + ", valid until "
                + root.getNotAfter().toInstant());
        return new CertificateAuthority(dir, root, pair.getPrivate(), List.of(), List.of(root), ROOT_CERT);
    }

    /**
     * Loads the CA in {@code dir} and checks it: the key matches the signing certificate, which is a CA certificate,
     * currently valid, and verifies to the roots.
     *
     * @throws NoSuchFileException      when {@code dir} holds no CA
     * @throws InvalidMaterialException naming the file and what is wrong with it
     */
    public static CertificateAuthority load(Path dir, Clock clock) throws IOException {
        boolean intermediate = Files.exists(dir.resolve(CA_KEY)) || Files.exists(dir.resolve(CA_CERT));
        String certFile = intermediate ? CA_CERT : ROOT_CERT;
        String keyFile = intermediate ? CA_KEY : ROOT_KEY;
        if (!exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no CA here (expected " + ROOT_CERT + " and "
                    + ROOT_KEY + ", or Istio's " + CA_CERT + ", " + CA_KEY + " and " + ROOT_CERT
                    + "); create one with 'mesh ca init --dir " + dir + "'");
        }
        for (String f : intermediate ? List.of(CA_CERT, CA_KEY, ROOT_CERT) : List.of(ROOT_CERT, ROOT_KEY)) {
            if (!Files.exists(dir.resolve(f))) {
                throw new InvalidMaterialException(dir + ": the CA is incomplete: " + f + " is missing (found "
                        + present(dir) + ")");
            }
        }
        List<X509Certificate> roots = Pem.readCertificates(Files.readAllBytes(dir.resolve(ROOT_CERT)),
                dir.resolve(ROOT_CERT).toString());
        PrivateKey key = Pem.readPrivateKey(Files.readAllBytes(dir.resolve(keyFile)), dir.resolve(keyFile).toString());
        X509Certificate signing;
        List<X509Certificate> chain = new ArrayList<>();
        if (intermediate) {
            List<X509Certificate> ca = Pem.readCertificates(Files.readAllBytes(dir.resolve(CA_CERT)),
                    dir.resolve(CA_CERT).toString());
            if (ca.size() != 1) {
                throw new InvalidMaterialException(dir.resolve(CA_CERT) + ": holds " + ca.size()
                        + " certificates, expected the signing certificate alone (its chain goes in " + CERT_CHAIN + ")");
            }
            signing = ca.get(0);
            chain.add(signing);
            if (Files.exists(dir.resolve(CERT_CHAIN))) {
                for (X509Certificate c : Pem.readCertificates(Files.readAllBytes(dir.resolve(CERT_CHAIN)),
                        dir.resolve(CERT_CHAIN).toString())) {
                    if (!c.equals(signing) && !roots.contains(c)) {
                        chain.add(c);
                    }
                }
            }
        } else {
            signing = roots.get(0);
        }
        checkSigningMaterial(dir, signing, key, chain.isEmpty() ? List.of(signing) : chain, roots, certFile, keyFile,
                clock.instant());
        warnIfShared(dir.resolve(keyFile));
        return new CertificateAuthority(dir, signing, key, chain, roots, certFile);
    }

    private static String present(Path dir) {
        List<String> found = new ArrayList<>();
        for (String f : List.of(ROOT_CERT, ROOT_KEY, CA_CERT, CA_KEY, CERT_CHAIN)) {
            if (Files.exists(dir.resolve(f))) {
                found.add(f);
            }
        }
        return String.join(", ", found);
    }

    private static void checkSigningMaterial(Path dir, X509Certificate signing, PrivateKey key,
                                             List<X509Certificate> path, List<X509Certificate> roots, String certFile,
                                             String keyFile, Instant now) throws InvalidMaterialException {
        String certPath = dir.resolve(certFile).toString();
        BundleCheck.Names names = new BundleCheck.Names(certPath, dir.resolve(keyFile).toString(),
                dir.resolve(ROOT_CERT).toString());
        String mismatch = BundleCheck.keyMismatch(key, signing.getPublicKey(), names);
        if (mismatch != null) {
            throw new InvalidMaterialException(mismatch.replace("the leaf certificate", "the CA certificate"));
        }
        if (signing.getBasicConstraints() < 0) {
            throw new InvalidMaterialException(certPath + ": " + Svid.describe(signing) + " is not a CA certificate"
                    + " (basicConstraints CA:TRUE is missing): it cannot sign workload certificates");
        }
        boolean[] usage = signing.getKeyUsage();
        if (usage != null && !(usage.length > 5 && usage[5])) {
            throw new InvalidMaterialException(certPath + ": " + Svid.describe(signing) + " lacks keyUsage"
                    + " keyCertSign: it cannot sign workload certificates");
        }
        if (now.isAfter(signing.getNotAfter().toInstant())) {
            throw new InvalidMaterialException(certPath + ": the CA certificate expired at "
                    + signing.getNotAfter().toInstant() + " (now " + now + "): create a new CA and distribute its "
                    + ROOT_CERT);
        }
        try {
            PkixChain.verify(path, PkixChain.anchors(roots), now);
        } catch (CertificateException e) {
            throw new InvalidMaterialException(certPath + ": does not verify to " + dir.resolve(ROOT_CERT) + ": "
                    + e.getMessage());
        }
    }

    private static void warnIfShared(Path keyFile) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                LOG.log(Level.WARNING, () -> keyFile + " is accessible to other users ("
                        + PosixFilePermissions.toString(perms) + "): restrict it with chmod 600");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no POSIX permissions here
        }
    }

    /** The CA's directory. */
    public Path dir() {
        return dir;
    }

    /** The trust domain named by the CA certificate's {@code spiffe://} URI SAN, or null when it names none. */
    public String trustDomain() {
        return trustDomain;
    }

    /** The certificate that signs workload certificates: the root, or the intermediate. */
    public X509Certificate signingCertificate() {
        return signingCert;
    }

    /** The trust anchors, as in {@code root-cert.pem}. */
    public List<X509Certificate> roots() {
        return roots;
    }

    /**
     * Issues a workload certificate for {@code id}, valid for {@code ttl} from {@code at} (in whole seconds; cut to the
     * CA's expiry),
     * with a new ECDSA P-256 key.
     *
     * @throws IllegalArgumentException when {@code id} is outside the CA's trust domain, or {@code ttl} not positive
     * @throws InvalidMaterialException when the CA has expired
     */
    public CertificateBundle issue(SpiffeId id, Duration ttl, Instant at) throws InvalidMaterialException {
        Instant now = at.truncatedTo(ChronoUnit.SECONDS); // certificates keep whole seconds
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        if (trustDomain != null && !trustDomain.equals(id.trustDomain())) {
            throw new IllegalArgumentException(id + " is in trust domain " + id.trustDomain() + ", but the CA in "
                    + dir + " signs for trust domain " + trustDomain + " (" + certFile + ")");
        }
        Instant caNotAfter = signingCert.getNotAfter().toInstant();
        Instant caNotBefore = signingCert.getNotBefore().toInstant();
        for (X509Certificate c : chainAfterLeaf) {
            caNotAfter = min(caNotAfter, c.getNotAfter().toInstant());
        }
        Instant notAfter = min(now.plus(ttl), caNotAfter);
        if (!notAfter.isAfter(now)) {
            throw new InvalidMaterialException(dir.resolve(certFile) + ": the CA certificate expired at " + caNotAfter
                    + " (now " + now + "): create a new CA and distribute its " + ROOT_CERT);
        }
        Instant notBefore = now.minus(BACKDATE);
        if (notBefore.isBefore(caNotBefore)) {
            notBefore = caNotBefore;
        }
        KeyPair pair = newKeyPair();
        X509Certificate leaf;
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(signingCert, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name(new RDN[0]), pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(signingCert));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            leaf = new JcaX509CertificateConverter().getCertificate(b.build(signer(signingKey)));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("issuing a certificate for " + id + " failed", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(chainAfterLeaf);
        return new CertificateBundle(pair.getPrivate(), chain, roots);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no EC P-256 key generator", e);
        }
    }

    /** A positive random serial of 127 bits (RFC 5280: at most 20 octets; CAs use at least 64 random bits). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String algorithm;
        switch (key.getAlgorithm()) {
            case "RSA" -> algorithm = "SHA256withRSA";
            case "EdDSA", "Ed25519" -> algorithm = "Ed25519";
            default -> algorithm = "SHA256withECDSA";
        }
        return new JcaContentSignerBuilder(algorithm).build(key);
    }

    private static String trustDomainOf(X509Certificate cert) throws InvalidMaterialException {
        try {
            for (String uri : Svid.uriSans(cert)) {
                if (uri.startsWith("spiffe://")) {
                    String rest = uri.substring("spiffe://".length());
                    int slash = rest.indexOf('/');
                    return slash < 0 ? rest : rest.substring(0, slash);
                }
            }
            return null;
        } catch (CertificateException e) {
            throw new InvalidMaterialException(Svid.describe(cert) + ": unreadable subject alternative names", e);
        }
    }
}

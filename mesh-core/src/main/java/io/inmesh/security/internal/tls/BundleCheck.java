package io.inmesh.security.internal.tls;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.SpiffeId;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a bundle may serve as this workload's TLS material, and says why not. Every independent problem is
 * reported, joined by {@code "; "}: the key does not match the leaf; the leaf is not a valid X.509-SVID (URI SANs, CA
 * flags, key and extended key usage); the leaf is expired or not yet valid; the chain does not verify to the trust
 * anchors.
 */
public final class BundleCheck {

    /**
     * How messages name the three parts: the file names for PEM files, roles otherwise.
     *
     * @param chain   where the chain came from, e.g. {@code cert-chain.pem}
     * @param key     where the private key came from, e.g. {@code key.pem}
     * @param anchors where the trust anchors came from, e.g. {@code root-cert.pem}
     */
    public record Names(String chain, String key, String anchors) {
        /** Roles, for material that did not come from files. */
        public static final Names ROLES = new Names("the certificate chain", "the private key", "the trust anchors");
        /** Istio's file names. */
        public static final Names ISTIO_FILES = new Names("cert-chain.pem", "key.pem", "root-cert.pem");
    }

    private BundleCheck() {
    }

    /**
     * Checks {@code bundle} at {@code now} and returns its SPIFFE ID.
     *
     * @throws InvalidMaterialException naming every problem found
     */
    public static SpiffeId check(CertificateBundle bundle, Instant now, Names names) throws InvalidMaterialException {
        List<String> problems = new ArrayList<>();
        X509Certificate leaf = bundle.leaf();
        String leafWhat = "the leaf certificate in " + names.chain();
        SpiffeId id = null;
        try {
            id = Svid.spiffeId(leaf, leafWhat);
        } catch (CertificateException e) {
            problems.add(e.getMessage());
        }
        try {
            Svid.checkNotCa(leaf, leafWhat);
        } catch (CertificateException e) {
            problems.add(e.getMessage());
        }
        for (String purpose : List.of(Svid.SERVER_AUTH, Svid.CLIENT_AUTH)) {
            try {
                Svid.checkExtendedKeyUsage(leaf, purpose, leafWhat);
            } catch (CertificateException e) {
                problems.add(e.getMessage() + ": a mesh workload is both server and client");
            }
        }
        String keyProblem = keyMismatch(bundle.privateKey(), leaf.getPublicKey(), names);
        if (keyProblem != null) {
            problems.add(keyProblem);
        }
        boolean leafTimeOk = true;
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            problems.add(leafWhat + " is not valid before " + leaf.getNotBefore().toInstant() + " (now " + now + ")");
            leafTimeOk = false;
        } else if (now.isAfter(leaf.getNotAfter().toInstant())) {
            problems.add(leafWhat + " expired at " + leaf.getNotAfter().toInstant() + " (now " + now + ")");
            leafTimeOk = false;
        }
        try {
            PkixChain.verify(bundle.chain(), PkixChain.anchors(bundle.trustAnchors()), now);
        } catch (CertificateException e) {
            boolean sameAsLeafTime = !leafTimeOk && e.getMessage().startsWith("certificate " + Svid.describe(leaf));
            if (!sameAsLeafTime) {
                problems.add("the chain in " + names.chain() + " does not verify to the trust anchors in "
                        + names.anchors() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidMaterialException(String.join("; ", problems));
        }
        return id;
    }

    /** Null when {@code key} is the private half of {@code pub}; otherwise what is wrong. */
    public static String keyMismatch(PrivateKey key, PublicKey pub, Names names) {
        String keyAlg = family(key.getAlgorithm());
        String pubAlg = family(pub.getAlgorithm());
        if (!keyAlg.equals(pubAlg)) {
            return "the private key in " + names.key() + " is " + key.getAlgorithm() + " but the leaf certificate in "
                    + names.chain() + " holds a " + pub.getAlgorithm() + " public key: they are not a pair";
        }
        String algorithm;
        switch (keyAlg) {
            case "EC" -> algorithm = "SHA256withECDSA";
            case "RSA" -> algorithm = "SHA256withRSA";
            case "EdDSA" -> algorithm = "EdDSA";
            default -> {
                return "the private key in " + names.key() + " is " + key.getAlgorithm()
                        + ": expected an EC, RSA or EdDSA key";
            }
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(challenge);
            if (verifier.verify(signature)) {
                return null;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // a key of another curve or size, or unusable: not the pair either
        }
        return "the private key in " + names.key() + " does not match the leaf certificate in " + names.chain()
                + " (a signature made with the key does not verify with the certificate's public key)";
    }

    private static String family(String algorithm) {
        switch (algorithm) {
            case "EC", "ECDSA" -> {
                return "EC";
            }
            case "RSA" -> {
                return "RSA";
            }
            case "EdDSA", "Ed25519", "Ed448" -> {
                return "EdDSA";
            }
            default -> {
                return algorithm;
            }
        }
    }
}

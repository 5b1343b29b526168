package io.inmesh.security.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * PEM reading and writing with BouncyCastle's PEM codec, the keys and certificates converted to the JDK's types by the
 * JDK's own providers (BouncyCastle is not registered as a provider). Reads: {@code CERTIFICATE} blocks; a private key
 * as PKCS#8 ({@code PRIVATE KEY}) or OpenSSL's traditional form ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY}).
 * Writes: certificates, and keys as unencrypted PKCS#8. Text outside the blocks (as {@code openssl x509 -text} leaves)
 * is skipped. Messages name the file ({@code name}) and never include key bytes.
 */
public final class Pem {
    private Pem() {
    }

    /**
     * Every certificate of a PEM file, in order.
     *
     * @throws InvalidMaterialException when there is none, or a block is not a certificate or cannot be parsed
     */
    public static List<X509Certificate> readCertificates(byte[] pem, String name) throws InvalidMaterialException {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = parser(pem)) {
            for (int block = 1; ; block++) {
                Object o = readObject(parser, name, block);
                if (o == null) {
                    break;
                }
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new InvalidMaterialException(name + ": PEM block " + block + " is " + kind(o)
                            + ", expected a CERTIFICATE");
                }
                try {
                    out.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new InvalidMaterialException(name + ": PEM block " + block + " is not a valid X.509"
                            + " certificate: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw asInvalid(name, e);
        }
        if (out.isEmpty()) {
            throw new InvalidMaterialException(name + ": no PEM CERTIFICATE block found"
                    + (pem.length == 0 ? " (the file is empty)" : ""));
        }
        return out;
    }

    /**
     * The one private key of a PEM file.
     *
     * @throws InvalidMaterialException when there is none, more than one, it is encrypted, or it cannot be parsed
     */
    public static PrivateKey readPrivateKey(byte[] pem, String name) throws InvalidMaterialException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        PrivateKey key = null;
        try (PEMParser parser = parser(pem)) {
            for (int block = 1; ; block++) {
                Object o = readObject(parser, name, block);
                if (o == null) {
                    break;
                }
                PrivateKey k;
                if (o instanceof PrivateKeyInfo info) {
                    k = converter.getPrivateKey(info);
                } else if (o instanceof PEMKeyPair pair) {
                    k = converter.getKeyPair(pair).getPrivate();
                } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new InvalidMaterialException(name + ": the private key is encrypted; expected an"
                            + " unencrypted key (as Istio, cert-manager and SPIRE write key.pem)");
                } else if (o instanceof X509CertificateHolder) {
                    continue; // a combined certificate + key file: the key is what is asked for
                } else {
                    throw new InvalidMaterialException(name + ": PEM block " + block + " is " + kind(o)
                            + ", expected a PRIVATE KEY");
                }
                if (key != null) {
                    throw new InvalidMaterialException(name + ": more than one private key; expected exactly one");
                }
                key = k;
            }
        } catch (InvalidMaterialException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidMaterialException(name + ": the private key cannot be read (" + keySafe(e) + ")");
        }
        if (key == null) {
            throw new InvalidMaterialException(name + ": no PEM PRIVATE KEY block found"
                    + (pem.length == 0 ? " (the file is empty)" : ""));
        }
        return key;
    }

    /** Certificates as PEM {@code CERTIFICATE} blocks, in order. */
    public static byte[] certificates(List<X509Certificate> certs) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing PEM to memory", e);
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A private key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. */
    public static byte[] privateKey(PrivateKey key) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        } catch (PemGenerationException e) {
            throw new IllegalArgumentException("cannot encode a " + key.getAlgorithm() + " private key as PKCS#8");
        } catch (IOException e) {
            throw new UncheckedIOException("writing PEM to memory", e);
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static PEMParser parser(byte[] pem) {
        Reader r = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
        return new PEMParser(r);
    }

    private static Object readObject(PEMParser parser, String name, int block) throws InvalidMaterialException {
        try {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new InvalidMaterialException(name + ": PEM block " + block + " cannot be parsed (" + keySafe(e)
                    + ")");
        }
    }

    private static InvalidMaterialException asInvalid(String name, IOException e) {
        return e instanceof InvalidMaterialException i ? i
                : new InvalidMaterialException(name + ": cannot be read as PEM (" + keySafe(e) + ")");
    }

    /** The exception's class and message, the message cut short: a parser must not echo key material. */
    private static String keySafe(Exception e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        m = m.replaceAll("[A-Za-z0-9+/=]{40,}", "...");
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    private static String kind(Object o) {
        if (o instanceof PrivateKeyInfo || o instanceof PEMKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo
                || o instanceof PEMEncryptedKeyPair) {
            return "a PRIVATE KEY";
        }
        String simple = o.getClass().getSimpleName();
        return "a " + simple.replace("Holder", "").replace("PKCS10CertificationRequest", "CERTIFICATE REQUEST");
    }
}

package io.inmesh.security.internal.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the current material's key and chain, on both sides of a handshake. It has one alias per generation of
 * material; the issuers a peer asks for are not used to choose (a mesh has one identity per workload). A key type
 * JSSE asks for that the key cannot serve gets no alias, and JSSE tries the next one.
 */
public final class MeshKeyManager extends X509ExtendedKeyManager {
    private final MaterialHolder holder;

    public MeshKeyManager(MaterialHolder holder) {
        this.holder = holder;
    }

    private String aliasFor(String... keyTypes) {
        TlsMaterial m = holder.current();
        if (keyTypes != null) {
            for (String keyType : keyTypes) {
                if (keyType != null && serves(m.keyAlgorithm(), keyType)) {
                    return m.alias();
                }
            }
        }
        return null;
    }

    /** Whether a key of {@code algorithm} serves JSSE's {@code keyType} ("EC", "RSA", "RSASSA-PSS", "EC_EC"...). */
    static boolean serves(String algorithm, String keyType) {
        if (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")) {
            return true;
        }
        if (algorithm.equals("RSA")) {
            return keyType.equals("RSASSA-PSS");
        }
        if (algorithm.equals("EdDSA")) {
            return keyType.equals("Ed25519") || keyType.equals("Ed448");
        }
        return false;
    }

    private String[] aliases(String keyType) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        TlsMaterial m = holder.byAlias(alias);
        return m == null ? null : m.chain();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        TlsMaterial m = holder.byAlias(alias);
        return m == null ? null : m.privateKey();
    }
}

package io.inmesh.security.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.MeshPki;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshKeyManagerTest {
    @TempDir
    Path tmp;

    @Test
    void anAliasChosenBeforeASwapStillFindsItsOwnKeyAndChain() throws Exception {
        MeshPki pki = new MeshPki(tmp);
        CertificateBundle first = pki.issue(MeshPki.SERVER);
        CertificateBundle second = pki.issue(MeshPki.SERVER);
        CertificateBundle third = pki.issue(MeshPki.SERVER);
        MaterialHolder holder = new MaterialHolder(first, MeshPki.SERVER);
        MeshKeyManager km = new MeshKeyManager(holder);

        String alias = km.chooseServerAlias("EC", null, null);
        holder.swap(second, MeshPki.SERVER);

        assertThat(km.getPrivateKey(alias)).isEqualTo(first.privateKey());
        assertThat(km.getCertificateChain(alias)).containsExactly(first.leaf());
        String next = km.chooseServerAlias("EC", null, null);
        assertThat(next).isNotEqualTo(alias);
        assertThat(km.getPrivateKey(next)).isEqualTo(second.privateKey());

        holder.swap(third, MeshPki.SERVER);
        assertThat(km.getPrivateKey(alias)).as("two swaps ago").isNull();
        assertThat(km.getCertificateChain(next)).containsExactly(second.leaf());
    }

    @Test
    void offersTheKeyOnlyForKeyTypesItCanServe() throws Exception {
        MeshPki pki = new MeshPki(tmp);
        MeshKeyManager km = new MeshKeyManager(new MaterialHolder(pki.issue(MeshPki.SERVER), MeshPki.SERVER));

        assertThat(km.chooseServerAlias("RSA", null, null)).isNull();
        assertThat(km.chooseServerAlias("EC", null, null)).isNotNull();
        assertThat(km.chooseClientAlias(new String[] {"RSA", "EC"}, null, null)).isNotNull();
        assertThat(km.getClientAliases("RSASSA-PSS", null)).isNull();
        assertThat(MeshKeyManager.serves("RSA", "RSASSA-PSS")).isTrue();
        assertThat(MeshKeyManager.serves("EC", "EC_EC")).isTrue();
        assertThat(km.getPrivateKey("unknown")).isNull();
    }

    @Test
    void returnedChainsAreCopies() throws Exception {
        MeshPki pki = new MeshPki(tmp);
        CertificateBundle b = pki.issue(MeshPki.SERVER);
        MeshKeyManager km = new MeshKeyManager(new MaterialHolder(b, MeshPki.SERVER));
        String alias = km.chooseServerAlias("EC", null, null);

        km.getCertificateChain(alias)[0] = null;

        assertThat(km.getCertificateChain(alias)).containsExactly(b.leaf());
    }
}

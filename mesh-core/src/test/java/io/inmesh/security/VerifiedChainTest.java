package io.inmesh.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client chain handed over by a server container is verified against the mesh's trust anchors, and cached. */
class VerifiedChainTest {
    @Test
    void aChainOfTheMeshsCaVerifiesAndOneOfAnotherCaDoesNot(@TempDir Path dir) throws Exception {
        SpiffeId server = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
        SpiffeId client = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");
        try (CertificateSource serverSource = CertificateSources.builtInCa(dir.resolve("ca"), server);
             CertificateSource clientSource = CertificateSources.builtInCa(dir.resolve("ca"), client);
             CertificateSource stranger = CertificateSources.builtInCa(dir.resolve("other-ca"), client);
             MeshTls tls = MeshTls.create(serverSource)) {
            X509Certificate[] chain = clientSource.current().chain().toArray(new X509Certificate[0]);
            assertThat(tls.verifiedPeer(chain)).isEqualTo(client);
            assertThat(tls.verifiedPeer(chain)).as("cached").isEqualTo(client);
            X509Certificate[] foreign = stranger.current().chain().toArray(new X509Certificate[0]);
            assertThat(tls.verifiedPeer(foreign)).as("another CA's certificate").isNull();
            assertThat(tls.verifiedPeer(new X509Certificate[0])).isNull();
            assertThat(tls.verifiedPeer((X509Certificate[]) null)).isNull();
        }
    }
}

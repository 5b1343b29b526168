package io.inmesh.okhttp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.CertificateSource;
import io.inmesh.security.CertificateSources;
import io.inmesh.security.SpiffeId;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import okhttp3.CipherSuite;
import okhttp3.Handshake;
import okhttp3.TlsVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cached SPIFFE ID of a server certificate is always that certificate's own. */
class PeerIdsTest {
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static final SpiffeId RATINGS = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/ratings");

    @TempDir
    Path caDir;

    private X509Certificate leaf(SpiffeId id) throws Exception {
        try (CertificateSource source = CertificateSources.builtInCa(caDir, id)) {
            return source.current().leaf();
        }
    }

    private static Handshake handshake(X509Certificate... peer) {
        return Handshake.get(TlsVersion.TLS_1_3, CipherSuite.TLS_AES_128_GCM_SHA256, List.of(peer), List.of());
    }

    @Test
    void eachServerCertificateGetsItsOwnSpiffeId() throws Exception {
        PeerIds ids = new PeerIds();
        X509Certificate reviews = leaf(REVIEWS);
        X509Certificate ratings = leaf(RATINGS);
        X509Certificate reviewsAgain = leaf(REVIEWS); // a new certificate for the same identity
        for (int i = 0; i < 3; i++) {
            assertThat(ids.of(handshake(reviews))).isEqualTo(REVIEWS.uri());
            assertThat(ids.of(handshake(ratings))).isEqualTo(RATINGS.uri());
            assertThat(ids.of(reviewsAgain)).isEqualTo(REVIEWS.uri());
        }
        // an equal certificate decoded again (another object): the same ID
        X509Certificate decoded = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(ratings.getEncoded()));
        assertThat(ids.of(decoded)).isEqualTo(RATINGS.uri());
    }

    @Test
    void aCertificateWithoutSpiffeIdHasNoneEachTime() throws Exception {
        PeerIds ids = new PeerIds();
        X509Certificate reviews = leaf(REVIEWS);
        X509Certificate dnsOnly = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("reviews.example")
                .build().certificate(); // a DNS SAN, no URI SAN
        for (int i = 0; i < 2; i++) {
            assertThat(ids.of(dnsOnly)).isNull();
            assertThat(ids.of(handshake(dnsOnly, reviews))).isNull();
            assertThat(ids.of(reviews)).isEqualTo(REVIEWS.uri());
        }
        assertThat(ids.of(handshake())).isNull();
    }

    @Test
    void staysBoundedAndRightPastItsSize() throws Exception {
        PeerIds ids = new PeerIds();
        X509Certificate reviews = leaf(REVIEWS);
        X509Certificate ratings = leaf(RATINGS);
        for (int i = 0; i < PeerIds.MAX_ENTRIES + 10; i++) {
            assertThat(ids.of(i % 2 == 0 ? reviews : ratings)).isEqualTo(i % 2 == 0 ? REVIEWS.uri() : RATINGS.uri());
        }
    }
}

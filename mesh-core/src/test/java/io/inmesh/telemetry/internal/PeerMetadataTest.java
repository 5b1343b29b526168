package io.inmesh.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.Workload;
import io.inmesh.security.SpiffeId;
import io.inmesh.telemetry.MeshTelemetry;
import io.inmesh.telemetry.internal.metrics.PeerLabels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerMetadataTest {
    private final TelemetryPlane productpage = new TelemetryPlane(MeshTelemetry.builder().build(),
            new Workload("default", "bookinfo-productpage", Map.of("app", "productpage", "version", "v1")),
            "spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
    private final TelemetryPlane reviews = new TelemetryPlane(MeshTelemetry.builder().build(),
            new Workload("default", "bookinfo-reviews", Map.of("app", "reviews", "version", "v2")),
            "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");

    @Test
    void aVerifiedPeersClaimGivesItsWorkloadLabels() {
        String header = productpage.peerHeader();
        assertThat(header).isEqualTo("productpage-v1;default;productpage;v1;productpage;v1");
        PeerLabels byCert = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/bookinfo-productpage"));
        PeerLabels p = reviews.fromMetadata(header, byCert);
        assertThat(p.workload()).isEqualTo("productpage-v1");
        assertThat(p.app()).isEqualTo("productpage");
        assertThat(p.version()).isEqualTo("v1");
        assertThat(p.principal()).as("from the certificate, never from the header")
                .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
        assertThat(reviews.fromMetadata(header, byCert)).as("cached").isSameAs(p);
    }

    @Test
    void claimsThatDoNotMatchTheCertificateOrAreMalformedAreIgnored() {
        PeerLabels other = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/frontend"));
        String header = productpage.peerHeader();
        assertThat(reviews.fromMetadata(header, other)).as("namespace default claimed by a peer in shop")
                .isSameAs(other);
        PeerLabels byCert = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/bookinfo-productpage"));
        assertThat(reviews.fromMetadata("a;default;b;c;d", byCert)).as("5 fields").isSameAs(byCert);
        assertThat(reviews.fromMetadata("a;default;b;c;d;e;f", byCert)).as("7 fields").isSameAs(byCert);
        assertThat(reviews.fromMetadata("a b;default;b;c;d;e", byCert)).as("space").isSameAs(byCert);
        assertThat(reviews.fromMetadata(";default;b;c;d;e", byCert)).as("empty").isSameAs(byCert);
        assertThat(reviews.fromMetadata(header, PeerLabels.unknown())).as("no verified peer")
                .isSameAs(PeerLabels.unknown());
        // an impostor in the same namespace sending productpage's claim first does not take it from productpage
        PeerLabels impostor = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/impostor"));
        PeerLabels claimedByImpostor = reviews.fromMetadata(header, impostor);
        assertThat(claimedByImpostor.principal()).isEqualTo("spiffe://cluster.local/ns/default/sa/impostor");
        PeerLabels real = reviews.fromMetadata(header, byCert);
        assertThat(real.principal()).isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
        assertThat(real.workload()).isEqualTo("productpage-v1");
    }

    @Test
    void onePeerMakingManyClaimsCannotCrowdOutTheOthers() {
        PeerLabels noisy = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/evil/sa/noisy"));
        for (int i = 0; i < 5000; i++) {
            reviews.fromMetadata("w" + i + ";evil;a;v;a;v", noisy);
        }
        PeerLabels byCert = reviews.source(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/bookinfo-productpage"));
        assertThat(reviews.fromMetadata(productpage.peerHeader(), byCert).workload()).isEqualTo("productpage-v1");
    }
}

package io.inmesh.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.Workload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodIdentityTest {
    @TempDir
    Path dir;

    static String jwt(String payloadJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    @Test
    void readsNamespaceTokenAndDownwardApiLabelsFromThePod() throws Exception {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("namespace"), "bookinfo");
        Files.writeString(sa.resolve("token"), jwt("{\"aud\":[\"https://kubernetes.default.svc\"],"
                + "\"kubernetes.io\":{\"namespace\":\"bookinfo\",\"serviceaccount\":{\"name\":\"bookinfo-reviews\","
                + "\"uid\":\"x\"}},\"sub\":\"system:serviceaccount:bookinfo:bookinfo-reviews\"}"));
        Path labels = dir.resolve("labels");
        Files.writeString(labels, "app=\"reviews\"\npod-template-hash=\"7d9f\"\n"
                + "security.istio.io/tlsMode=\"istio\"\nversion=\"v2\"\nnote=\"say \\\"hi\\\"\\n\\u00e9\\x41\"");
        Workload w = PodIdentity.of(sa, labels, k -> null).workload();
        assertThat(w.namespace()).isEqualTo("bookinfo");
        assertThat(w.serviceAccount()).isEqualTo("bookinfo-reviews");
        assertThat(w.labels()).containsEntry("app", "reviews").containsEntry("version", "v2")
                .containsEntry("security.istio.io/tlsMode", "istio").containsEntry("note", "say \"hi\"\néA");
    }

    @Test
    void environmentWinsAndTheLegacyTokenClaimIsRead() throws Exception {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("namespace"), "from-file");
        Files.writeString(sa.resolve("token"),
                jwt("{\"kubernetes.io/serviceaccount/service-account.name\":\"legacy\"}"));
        Map<String, String> env = Map.of("POD_NAMESPACE", "from-env");
        Workload w = PodIdentity.of(sa, dir.resolve("absent"), env::get).workload();
        assertThat(w.namespace()).isEqualTo("from-env");
        assertThat(w.serviceAccount()).isEqualTo("legacy");
        assertThat(w.labels()).isEmpty();

        Workload w2 = PodIdentity.of(sa, dir.resolve("absent"), Map.of("POD_SERVICE_ACCOUNT", "sa-env")::get)
                .workload();
        assertThat(w2.namespace()).isEqualTo("from-file");
        assertThat(w2.serviceAccount()).isEqualTo("sa-env");
    }

    @Test
    void noTokenOrAnUnreadableOneMeansDefaultAndTheTokenIsNeverEchoed() throws Exception {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("namespace"), "ns");
        assertThat(PodIdentity.of(sa, dir.resolve("x"), k -> null).workload().serviceAccount()).isEqualTo("default");
        Files.writeString(sa.resolve("token"), "secret-not-a-jwt");
        assertThat(PodIdentity.of(sa, dir.resolve("x"), k -> null).workload().serviceAccount()).isEqualTo("default");
        assertThat(PodIdentity.serviceAccountOf("a.!!!.c")).isNull();
    }

    @Test
    void clearErrorsOutsideAPodAndForAMalformedLabelsFile() throws Exception {
        assertThatThrownBy(() -> PodIdentity.of(dir.resolve("none"), dir.resolve("x"), k -> null).workload())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("POD_NAMESPACE is not set")
                .hasMessageContaining(dir.resolve("none").resolve("namespace").toString());
        Path labels = dir.resolve("labels");
        Files.writeString(labels, "app=\"reviews\"\nversion=v2\n");
        assertThatThrownBy(() -> PodIdentity.of(dir, labels, Map.of("POD_NAMESPACE", "ns")::get).workload())
                .hasMessageContaining(labels + ":2: \"version=v2\"").hasMessageContaining("expected key=\"value\"");
    }
}

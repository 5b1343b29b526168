package io.inmesh.okhttp;

import io.inmesh.Mesh;
import io.inmesh.Workload;
import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;

/** What the adapter tests share: backends and meshes closed after each test, YAML as config files, GET helpers. */
abstract class MeshTestSupport {
    protected final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        closeables.clear();
    }

    protected Backends backends(String... versions) throws IOException {
        Backends b = new Backends(versions);
        closeables.add(b);
        return b;
    }

    /** One config file holding the documents, joined with {@code ---}. */
    protected static List<ConfigFile> files(String... yaml) {
        return List.of(new ConfigFile("test.yaml", String.join("\n---\n", yaml).getBytes(StandardCharsets.UTF_8)));
    }

    /** A mesh for a workload in {@code default} over {@code yaml}, closed after the test. */
    protected Mesh mesh(Mesh.Builder builder, String... yaml) throws Exception {
        Mesh m = builder.workload(Workload.of("default")).configFiles(files(yaml)).build();
        closeables.add(m);
        return m;
    }

    /** As {@link #mesh(Mesh.Builder, String...)} with a seeded random source. */
    protected Mesh mesh(String... yaml) throws Exception {
        return mesh(Mesh.builder().random(new Random(42)), yaml);
    }

    /**
     * The ServiceEntry {@code reviews} (MESH_INTERNAL, STATIC) with one endpoint on 127.0.0.1:{@code port}, its
     * service account {@code serviceAccount} (null: none) and, with {@code label}, the mesh's
     * {@code security.istio.io/tlsMode: istio} label (auto mTLS).
     */
    protected static String meshServiceEntry(int port, String serviceAccount, boolean label) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews%s}%s}
                """.formatted(port, label ? ", security.istio.io/tlsMode: istio" : "",
                serviceAccount == null ? "" : ", serviceAccount: " + serviceAccount);
    }

    /** GET {@code url} with header name/value pairs. */
    protected static Response get(OkHttpClient client, String url, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url(url);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.newCall(b.build()).execute();
    }

    /** The body of a GET, closing the response. */
    protected static String body(OkHttpClient client, String url, String... headers) throws IOException {
        try (Response r = get(client, url, headers)) {
            return r.body().string();
        }
    }
}

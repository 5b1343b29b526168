package io.inmesh.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The nginx instances that stand in for sidecars (BENCHMARKING.md): Debian's {@code nginx}, one master and one worker
 * each ({@code worker_processes 1}), {@code access_log off}, HTTP/1.1 keep-alive to every upstream, listening on
 * loopback ports only, run in the foreground ({@code daemon off}) with its own prefix directory for the pid file,
 * logs and temporary files, so it never touches the system's nginx.
 *
 * <ul>
 *   <li>B, the server's sidecar: {@code plainPort} proxies to the application (the one-hop variant, and the second
 *       hop of the plain two-hop variant); {@code tlsPort} takes TLS 1.3 with a client certificate required
 *       ({@code ssl_verify_client on}) and proxies to the application (the mTLS two-hop variant). On the TLS port,
 *       {@code /nginx-check} answers B's view of the connection instead of proxying.</li>
 *   <li>A, the client's sidecar: {@code plainPort} proxies to B's plain port, {@code tlsPort} to B's TLS port with
 *       A's client certificate ({@code proxy_ssl_certificate}), B's certificate verified against the CA, TLS 1.3,
 *       sessions reused.</li>
 * </ul>
 */
final class Nginx {
    private Nginx() {
    }

    /** The nginx binary, or empty when nginx is not installed. */
    static Optional<Path> binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            Path p = Path.of(dir, "nginx");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        Path debian = Path.of("/usr/sbin/nginx");
        return Files.isExecutable(debian) ? Optional.of(debian) : Optional.empty();
    }

    private static String common(Path prefix) {
        return """
                worker_processes 1;
                daemon off;
                master_process on;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 1024; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  keepalive_timeout 300s;
                  keepalive_requests 10000000;
                """.formatted(prefix);
    }

    private static String upstream(String name, int port) {
        return """
                  upstream %s {
                    server 127.0.0.1:%d;
                    keepalive 32;
                    keepalive_requests 10000000;
                    keepalive_timeout 300s;
                  }
                """.formatted(name, port);
    }

    private static final String PROXY = """
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
            """;

    /** The server's sidecar B. */
    static String serverSideConfig(Path prefix, int appPort, int plainPort, int tlsPort, Certs certs) {
        return common(prefix) + upstream("app", appPort) + """
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://app;
                %s    }
                  }
                  server {
                    listen 127.0.0.1:%d ssl;
                    ssl_protocols TLSv1.3;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                    ssl_client_certificate %s;
                    ssl_verify_client on;
                    ssl_session_cache shared:bench:1m;
                    location = /nginx-check {
                      return 200 "verify=$ssl_client_verify protocol=$ssl_protocol client=$ssl_client_s_dn\\n";
                    }
                    location / {
                      proxy_pass http://app;
                %s    }
                  }
                }
                """.formatted(plainPort, PROXY, tlsPort, certs.serverCert, certs.serverKey, certs.caCert, PROXY);
    }

    /** The client's sidecar A. */
    static String clientSideConfig(Path prefix, int bPlainPort, int bTlsPort, int plainPort, int tlsPort,
                                   Certs certs) {
        return common(prefix) + upstream("b_plain", bPlainPort) + upstream("b_tls", bTlsPort) + """
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://b_plain;
                %s    }
                  }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass https://b_tls;
                %s      proxy_ssl_protocols TLSv1.3;
                      proxy_ssl_certificate %s;
                      proxy_ssl_certificate_key %s;
                      proxy_ssl_trusted_certificate %s;
                      proxy_ssl_verify on;
                      proxy_ssl_verify_depth 2;
                      proxy_ssl_name %s;
                      proxy_ssl_server_name on;
                      proxy_ssl_session_reuse on;
                    }
                  }
                }
                """.formatted(plainPort, PROXY, tlsPort, PROXY, certs.clientCert, certs.clientKey, certs.caCert,
                Certs.SERVER_NAME);
    }

    /**
     * Writes {@code config} under {@code prefix}, checks it with {@code nginx -t} and starts nginx pinned to
     * {@code cpus}.
     */
    static Child start(String name, Path binary, Path prefix, String config, String cpus)
            throws IOException, InterruptedException {
        Files.createDirectories(prefix);
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, config);
        Process test = new ProcessBuilder(binary.toString(), "-t", "-q", "-p", prefix + "/", "-c", conf.toString())
                .redirectErrorStream(true).start();
        String out = new String(test.getInputStream().readAllBytes());
        if (test.waitFor() != 0) {
            throw new IOException("nginx -t refused " + conf + ":\n" + out);
        }
        return Child.start(name, cpus, List.of(binary.toString(), "-p", prefix + "/", "-c", conf.toString()),
                prefix.resolve("stdout.log"));
    }
}

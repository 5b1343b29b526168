package io.inmesh.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for the nginx mutual-TLS hop, made with {@code openssl}: a CA, a server certificate for nginx B
 * ({@value #SERVER_NAME}, serverAuth) and a client certificate for nginx A (clientAuth), ECDSA P-256 as the mesh's
 * workload certificates, valid for two days.
 */
final class Certs {
    static final String SERVER_NAME = "nginx-b.bench.local";

    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;

    private Certs(Path dir) {
        caCert = dir.resolve("ca.crt");
        serverCert = dir.resolve("nginx-b.crt");
        serverKey = dir.resolve("nginx-b.key");
        clientCert = dir.resolve("nginx-a.crt");
        clientKey = dir.resolve("nginx-a.key");
    }

    static Certs generate(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Certs c = new Certs(dir);
        Path caKey = dir.resolve("ca.key");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", caKey.toString(), "-out", c.caCert.toString(), "-days", "2", "-subj", "/CN=inmesh-bench-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        issue(dir, caKey, c, "nginx-b", "/CN=" + SERVER_NAME,
                "subjectAltName=DNS:" + SERVER_NAME + "\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
                c.serverKey, c.serverCert);
        issue(dir, caKey, c, "nginx-a", "/CN=nginx-a.bench.local",
                "subjectAltName=DNS:nginx-a.bench.local\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n",
                c.clientKey, c.clientCert);
        return c;
    }

    private static void issue(Path dir, Path caKey, Certs c, String name, String subject, String extensions, Path key,
                              Path cert) throws IOException, InterruptedException {
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, extensions);
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                key.toString(), "-out", csr.toString(), "-subj", subject);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", c.caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed (exit " + p.exitValue() + "):\n" + out);
        }
    }
}

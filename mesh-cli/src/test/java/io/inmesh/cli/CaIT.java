package io.inmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh ca}, run as a real process on the shaded jar (BouncyCastle shaded in), checked by openssl. */
class CaIT {
    @TempDir
    Path tmp;

    @Test
    void initAndIssueFromTheShadedJar() throws Exception {
        MeshProcess.Run init = MeshProcess.run(tmp, "ca", "init", "--dir", "ca", "--trust-domain", "example.org");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        MeshProcess.Run issue = MeshProcess.run(tmp, "ca", "issue", "--dir", "ca", "--spiffe-id",
                "spiffe://example.org/ns/shop/sa/cart", "--out", "certs", "--ttl=1h");
        assertThat(issue.exitCode()).as(issue.toString()).isZero();
        assertThat(issue.stderr()).isEmpty();

        String openssl = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "openssl"))) {
                openssl = Path.of(dir, "openssl").toString();
            }
        }
        Assumptions.assumeTrue(openssl != null, "openssl is not on the PATH: install it (the CI does)");
        Process p = new ProcessBuilder(openssl, "verify", "-CAfile", "certs/root-cert.pem", "certs/cert-chain.pem")
                .directory(tmp.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output).isEqualTo("certs/cert-chain.pem: OK\n");
    }

    @Test
    void aMistakeIsOneLineAndExitCode2() throws Exception {
        MeshProcess.Run run = MeshProcess.run(tmp, "ca", "issue", "--dir", "nowhere", "--spiffe-id",
                "spiffe://cluster.local/ns/a/sa/b", "--out", "certs");

        assertThat(run.exitCode()).isEqualTo(2);
        run.assertNoStackTrace();
        assertThat(run.stderrLines()).hasSize(1);
        assertThat(run.stderr()).startsWith("mesh ca issue: cannot read the CA in nowhere: no CA here");
    }
}

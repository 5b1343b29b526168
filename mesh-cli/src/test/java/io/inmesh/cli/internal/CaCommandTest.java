package io.inmesh.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh ca init} and {@code mesh ca issue} through {@link Cli#run}, their files checked by openssl. */
class CaCommandTest {
    private static final String ID = "spiffe://cluster.local/ns/default/sa/reviews";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Cli cli;

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private void reset() {
        out.reset();
        err.reset();
    }

    private static String openssl(String... args) throws IOException, InterruptedException {
        String found = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "openssl"))) {
                found = Path.of(dir, "openssl").toString();
                break;
            }
        }
        Assumptions.assumeTrue(found != null, "openssl is not on the PATH: install it (the CI does) to check the"
                + " files mesh ca writes with it");
        List<String> command = new ArrayList<>(List.of(found));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s%n%s", String.join(" ", args), output).isZero();
        return output;
    }

    @Test
    void initThenIssueWritesFilesOpensslAccepts() throws Exception {
        Path ca = tmp.resolve("ca");
        Path certs = tmp.resolve("certs");

        assertThat(cli.run("ca", "init", "--dir", ca.toString())).as(err()).isZero();
        assertThat(out()).startsWith("created a root CA for trust domain cluster.local in " + ca + "\n")
                .contains(ca.resolve("root-cert.pem") + "  the root certificate, valid until ")
                .contains(ca.resolve("root-key.pem") + "   its private key (mode 0600)");
        assertThat(err()).isEmpty();
        assertThat(Files.getPosixFilePermissions(ca.resolve("root-key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        reset();

        assertThat(cli.run("ca", "issue", "--dir", ca.toString(), "--spiffe-id", ID, "--out", certs.toString(),
                "--ttl", "12h")).as(err()).isZero();
        assertThat(out()).startsWith("issued " + ID + " (serial ").contains(certs.resolve("cert-chain.pem").toString());
        assertThat(err()).isEmpty();
        assertThat(Files.getPosixFilePermissions(certs.resolve("key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(certs.resolve("cert-chain.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.readString(certs.resolve("root-cert.pem"))).isEqualTo(Files.readString(ca.resolve(
                "root-cert.pem")));

        assertThat(openssl("verify", "-CAfile", certs.resolve("root-cert.pem").toString(),
                certs.resolve("cert-chain.pem").toString())).contains(": OK");
        String text = openssl("x509", "-in", certs.resolve("cert-chain.pem").toString(), "-noout", "-text");
        assertThat(text).contains("URI:" + ID).contains("CA:FALSE").contains("Digital Signature")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication");
        String dates = openssl("x509", "-in", certs.resolve("cert-chain.pem").toString(), "-noout", "-startdate",
                "-enddate");
        assertThat(dates).contains("notBefore=").contains("notAfter=");
        assertThat(openssl("pkey", "-in", certs.resolve("key.pem").toString(), "-pubout"))
                .isEqualTo(openssl("x509", "-in", certs.resolve("cert-chain.pem").toString(), "-noout", "-pubkey"));
        assertThat(openssl("x509", "-in", ca.resolve("root-cert.pem").toString(), "-noout", "-text"))
                .contains("CA:TRUE").contains("URI:spiffe://cluster.local");
    }

    @Test
    void initWithAnotherTrustDomainAndIssueOutsideItIsRefused() throws Exception {
        Path ca = tmp.resolve("ca");
        assertThat(cli.run("ca", "init", "--dir", ca.toString(), "--trust-domain", "example.org")).isZero();
        reset();

        assertThat(cli.run("ca", "issue", "--dir", ca.toString(), "--spiffe-id", ID, "--out",
                tmp.resolve("o").toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err()).isEqualTo("mesh ca issue: " + ID + " is in trust domain cluster.local, but the CA in " + ca
                + " signs for trust domain example.org (root-cert.pem)\n");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    @Test
    void initRefusesToOverwriteACa() throws Exception {
        Path ca = tmp.resolve("ca");
        cli.run("ca", "init", "--dir", ca.toString());
        String root = Files.readString(ca.resolve("root-cert.pem"));
        reset();

        assertThat(cli.run("ca", "init", "--dir", ca.toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err()).isEqualTo("mesh ca init: " + ca + " already holds a CA (root-cert.pem, root-key.pem); it"
                + " was not overwritten: remove it first, or choose another --dir\n");
        assertThat(out()).isEmpty();
        assertThat(Files.readString(ca.resolve("root-cert.pem"))).isEqualTo(root);
    }

    @Test
    void issueWithoutACaSaysHowToMakeOne() {
        Path ca = tmp.resolve("nothing");

        assertThat(cli.run("ca", "issue", "--dir", ca.toString(), "--spiffe-id", ID, "--out",
                tmp.resolve("o").toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err()).isEqualTo("mesh ca issue: cannot read the CA in " + ca + ": no CA here (expected"
                + " root-cert.pem and root-key.pem, or Istio's ca-cert.pem, ca-key.pem and root-cert.pem); create one"
                + " with 'mesh ca init --dir " + ca + "'\n");
    }

    @Test
    void issueFromACorruptCaNamesTheFile() throws Exception {
        Path ca = tmp.resolve("ca");
        cli.run("ca", "init", "--dir", ca.toString());
        Files.writeString(ca.resolve("root-cert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n");
        reset();

        assertThat(cli.run("ca", "issue", "--dir", ca.toString(), "--spiffe-id", ID, "--out",
                tmp.resolve("o").toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err()).startsWith("mesh ca issue: the CA in " + ca + " cannot be used: " + ca.resolve(
                "root-cert.pem") + ": PEM block 1 ").doesNotContain("\tat ");
    }

    @Test
    void aTtlBeyondTheCaIsCutWithANote() throws Exception {
        Path ca = tmp.resolve("ca");
        cli.run("ca", "init", "--dir", ca.toString());
        reset();

        assertThat(cli.run("ca", "issue", "--dir", ca.toString(), "--spiffe-id", ID, "--out",
                tmp.resolve("o").toString(), "--ttl", "100000h")).isZero();
        assertThat(err()).startsWith("mesh ca issue: note: the certificate ends with the CA's own certificate at ")
                .endsWith(", before the --ttl of 100000h is over\n");
    }

    @Test
    void usageMistakesAndHelp() {
        assertThat(cli.run("ca")).isEqualTo(ExitCode.USAGE);
        assertThat(err()).isEqualTo("mesh ca: missing action: 'init' (create a CA) or 'issue' (issue a workload"
                + " certificate)\nRun 'mesh ca --help' for usage.\n");
        reset();

        assertThat(cli.run("ca", "--help")).isZero();
        assertThat(out()).startsWith("Usage: mesh ca init --dir DIR [--trust-domain TD]\n");
        reset();
        assertThat(cli.run("help", "ca")).isZero();
        assertThat(out()).startsWith("Usage: mesh ca init");
        reset();
        assertThat(cli.run("--help")).isZero();
        assertThat(out()).contains("  ca         create a CA, issue workload certificates (PEM files)");
    }
}

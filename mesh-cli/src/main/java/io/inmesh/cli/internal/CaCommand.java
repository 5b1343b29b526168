package io.inmesh.cli.internal;

import io.inmesh.security.CertificateBundle;
import io.inmesh.security.internal.ca.CertificateAuthority;
import io.inmesh.security.internal.tls.InvalidMaterialException;
import io.inmesh.security.internal.tls.Pem;
import io.inmesh.security.internal.tls.SecureFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * {@code mesh ca init} creates a root CA in a directory (the built-in CA's layout); {@code mesh ca issue} issues a
 * workload certificate from the CA of a directory and writes Istio's three PEM files. Problems are one line on stderr
 * with exit code 2; a bug is exit code 3 (see {@link Cli}).
 */
final class CaCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    CaCommand(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    int run(CaOptions options) {
        return options.action().equals("init") ? init(options) : issue(options);
    }

    private int init(CaOptions o) {
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.create(o.dir(), o.trustDomain(), clock);
        } catch (FileAlreadyExistsException e) {
            return fail("init", o.dir() + " already holds a CA (" + present(o.dir()) + "); it was not overwritten:"
                    + " remove it first, or choose another --dir");
        } catch (IOException e) {
            return fail("init", "cannot create the CA in " + o.dir() + ": " + describe(e)
                    + where(e, o.dir()));
        }
        out.println("created a root CA for trust domain " + o.trustDomain() + " in " + o.dir());
        out.println("  " + o.dir().resolve(CertificateAuthority.ROOT_CERT) + "  the root certificate, valid until "
                + ca.signingCertificate().getNotAfter().toInstant() + "; workloads trust it as root-cert.pem");
        out.println("  " + o.dir().resolve(CertificateAuthority.ROOT_KEY) + "   its private key (mode 0600): keep it"
                + " secret");
        return ExitCode.OK;
    }

    private int issue(CaOptions o) {
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.load(o.dir(), clock);
        } catch (InvalidMaterialException e) {
            return fail("issue", "the CA in " + o.dir() + " cannot be used: " + Text.escapeControls(e.getMessage()));
        } catch (IOException e) {
            return fail("issue", "cannot read the CA in " + o.dir() + ": " + describe(e)
                    + where(e, o.dir()));
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        CertificateBundle bundle;
        try {
            bundle = ca.issue(o.spiffeId(), o.ttl(), now);
        } catch (IllegalArgumentException | InvalidMaterialException e) {
            return fail("issue", Text.escapeControls(e.getMessage()));
        }
        Path chain = o.out().resolve("cert-chain.pem");
        Path key = o.out().resolve("key.pem");
        Path root = o.out().resolve("root-cert.pem");
        try {
            Files.createDirectories(o.out());
            SecureFiles.write(key, Pem.privateKey(bundle.privateKey()), true);
            SecureFiles.write(chain, Pem.certificates(bundle.chain()), false);
            SecureFiles.write(root, Pem.certificates(bundle.trustAnchors()), false);
        } catch (IOException e) {
            return fail("issue", "cannot write to " + o.out() + ": " + ConfigPaths.describe(e) + where(e, o.out()));
        }
        if (bundle.notAfter().isBefore(now.plus(o.ttl()))) {
            err.println("mesh ca issue: note: the certificate ends with the CA's own certificate at "
                    + bundle.notAfter() + ", before the --ttl of " + o.ttl().toString().substring(2).toLowerCase()
                    + " is over");
        }
        out.println("issued " + o.spiffeId() + " (serial " + bundle.leaf().getSerialNumber().toString(16)
                + "), valid until " + bundle.notAfter());
        out.println("  " + chain + "  the certificate chain, leaf first");
        out.println("  " + key + "         its private key (mode 0600)");
        out.println("  " + root + "   the trust anchors");
        return ExitCode.OK;
    }

    private int fail(String action, String message) {
        err.println("mesh ca " + action + ": " + message);
        return ExitCode.USAGE;
    }

    /** The reason a file operation gives, as written; otherwise the shell's words for it. */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return Text.escapeControls(f.getReason());
        }
        return ConfigPaths.describe(e);
    }

    /** " (FILE)" when the exception names a file other than {@code dir}. */
    private static String where(IOException e, Path dir) {
        if (e instanceof FileSystemException f && f.getFile() != null
                && !f.getFile().equals(dir.toString())) {
            return " (" + Cli.printable(f.getFile()) + ")";
        }
        return "";
    }

    private static String present(Path dir) {
        StringBuilder b = new StringBuilder();
        for (String f : new String[] {CertificateAuthority.ROOT_CERT, CertificateAuthority.ROOT_KEY,
                CertificateAuthority.CA_CERT, CertificateAuthority.CA_KEY}) {
            if (Files.exists(dir.resolve(f))) {
                b.append(b.length() == 0 ? "" : ", ").append(f);
            }
        }
        return b.toString();
    }
}

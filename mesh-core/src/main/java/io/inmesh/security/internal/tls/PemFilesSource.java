package io.inmesh.security.internal.tls;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.source.WatchOptions;
import io.inmesh.security.CertificateBundle;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Key and certificates from PEM files in one directory (Istio's names by default: {@code cert-chain.pem},
 * {@code key.pem}, {@code root-cert.pem}), watched and reloaded. New content is checked whole
 * ({@link BundleCheck}); a bad replacement is refused, the last good bundle stays, and the reason is kept. A leaf that
 * is not valid yet (a writer whose clock runs a little ahead) is retried when it becomes valid.
 */
public final class PemFilesSource extends SourceSupport {
    /** How far ahead a not-yet-valid leaf is waited for; one further in the future waits for the next change. */
    static final Duration MAX_NOT_YET_VALID_WAIT = Duration.ofHours(1);

    private final Path dir;
    private final BundleCheck.Names names;
    private final Clock clock;
    private final Scheduler scheduler;
    private final PemDirectoryWatch watch;
    private final Object lock = new Object();
    private List<byte[]> lastSeen;
    private Scheduler.Task retry;
    private boolean closed;

    private PemFilesSource(Path dir, BundleCheck.Names names, Clock clock, Scheduler scheduler, PemDirectoryWatch watch,
                           CertificateBundle initial, List<byte[]> content) {
        super(initial);
        this.dir = dir;
        this.names = names;
        this.clock = clock;
        this.scheduler = scheduler;
        this.watch = watch;
        this.lastSeen = content;
    }

    /**
     * Reads and checks the files, then watches them.
     *
     * @throws IOException naming the file and the problem when they cannot be read or are not usable
     */
    public static PemFilesSource open(Path dir, BundleCheck.Names names, WatchOptions options, Clock clock,
                                      Scheduler scheduler) throws IOException {
        Objects.requireNonNull(dir, "dir");
        PemDirectoryWatch watch = new PemDirectoryWatch(dir, List.of(names.chain(), names.key(), names.anchors()),
                options);
        String description = watch.description();
        List<ConfigFile> files;
        try {
            files = watch.read();
        } catch (IOException e) {
            throw new IOException(description + ": " + readProblem(e), e);
        }
        CertificateBundle bundle;
        try {
            bundle = parse(files, names);
            BundleCheck.check(bundle, clock.instant(), names);
        } catch (InvalidMaterialException e) {
            throw new InvalidMaterialException(description + ": " + e.getMessage());
        }
        PemFilesSource source = new PemFilesSource(dir, names, clock, scheduler, watch, bundle, contents(files));
        watch.watch(() -> source.reload(false));
        return source;
    }

    @Override
    public String description() {
        return "PEM files " + dir;
    }

    /** Reads the files again; swaps when they changed (or when {@code force}) and pass the check. */
    void reload(boolean force) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            List<ConfigFile> files;
            try {
                files = watch.read();
            } catch (IOException e) {
                reject("cannot read the files (" + readProblem(e) + ")");
                return;
            }
            List<byte[]> content = contents(files);
            if (!force && sameContent(content, lastSeen)) {
                return;
            }
            lastSeen = content;
            cancelRetry();
            CertificateBundle bundle;
            try {
                bundle = parse(files, names);
            } catch (InvalidMaterialException e) {
                reject(e.getMessage());
                return;
            }
            Instant now = clock.instant();
            try {
                BundleCheck.check(bundle, now, names);
            } catch (InvalidMaterialException e) {
                reject(e.getMessage());
                retryWhenValid(bundle, now);
                return;
            }
            if (!bundle.equals(current())) {
                swap(bundle);
            }
        }
    }

    private void retryWhenValid(CertificateBundle bundle, Instant now) {
        Instant notBefore = bundle.leaf().getNotBefore().toInstant();
        Duration wait = Duration.between(now, notBefore);
        if (wait.isNegative() || wait.compareTo(MAX_NOT_YET_VALID_WAIT) > 0) {
            return;
        }
        retry = scheduler.schedule(() -> reload(true), wait.plusMillis(1));
    }

    private void cancelRetry() {
        if (retry != null) {
            retry.cancel();
            retry = null;
        }
    }

    static CertificateBundle parse(List<ConfigFile> files, BundleCheck.Names names) throws InvalidMaterialException {
        List<X509Certificate> chain = Pem.readCertificates(files.get(0).content(), names.chain());
        PrivateKey key = Pem.readPrivateKey(files.get(1).content(), names.key());
        List<X509Certificate> roots = Pem.readCertificates(files.get(2).content(), names.anchors());
        return new CertificateBundle(key, chain, roots);
    }

    private static List<byte[]> contents(List<ConfigFile> files) {
        return files.stream().map(ConfigFile::content).toList();
    }

    private static boolean sameContent(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static String readProblem(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String reason = f.getReason() != null ? f.getReason()
                    : e instanceof NoSuchFileException ? "no such file or directory"
                    : e.getClass().getSimpleName();
            return f.getFile() + ": " + reason;
        }
        return String.valueOf(e.getMessage());
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            cancelRetry();
        }
        watch.close();
        scheduler.close();
    }
}

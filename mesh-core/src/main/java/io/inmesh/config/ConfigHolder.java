package io.inmesh.config;

import io.inmesh.config.internal.Canonical;
import io.inmesh.config.internal.ConfigChecker;
import io.inmesh.config.internal.compile.SnapshotCompiler;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds the current {@link MeshSnapshot} and swaps it atomically, all or nothing: an update with any error is
 * rejected whole and the last good snapshot keeps serving; the rejection is kept for the API and logged once.
 * Unchanged content causes no swap. Listeners hear about each swap, on the updating thread, after it happened.
 *
 * <p>{@link #current()} is a volatile read, safe from any thread; updates are serialised.
 */
public final class ConfigHolder {
    private static final System.Logger LOG = System.getLogger(ConfigHolder.class.getName());

    private final ConfigChecker checker;
    private final Clock clock;
    private final List<Consumer<MeshSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ConfigUpdate>> updateListeners = new CopyOnWriteArrayList<>();
    private volatile MeshSnapshot current;
    private volatile boolean loaded;
    private volatile ConfigRejection lastRejection;
    private String lastLoggedRejection;

    private ConfigHolder(ConfigOptions options, Clock clock) {
        this.checker = new ConfigChecker(options);
        this.clock = clock;
        this.current = new MeshSnapshot(SnapshotCompiler.compile(List.of(), options, clock.instant()));
    }

    /** A holder reading resources with {@code options}, on the system clock. */
    public static ConfigHolder create(ConfigOptions options) {
        return new ConfigHolder(options, Clock.systemUTC());
    }

    /** A holder reading resources with {@code options}, stamping snapshots and rejections with {@code clock}. */
    public static ConfigHolder create(ConfigOptions options, Clock clock) {
        return new ConfigHolder(options, clock);
    }

    /** The snapshot serving now: the empty one until a valid configuration was applied. Never null. */
    public MeshSnapshot current() {
        return current;
    }

    /** True once any valid configuration was applied. */
    public boolean loaded() {
        return loaded;
    }

    /** The most recent rejection, if any update was ever rejected. */
    public Optional<ConfigRejection> lastRejection() {
        return Optional.ofNullable(lastRejection);
    }

    /** Registers a listener for swaps; closing the handle removes it. */
    public AutoCloseable addListener(Consumer<MeshSnapshot> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Registers a listener for the outcome of every update (applied, unchanged or rejected), called on the updating
     * thread after swap listeners; closing the handle removes it. For metrics and status reporting.
     */
    public AutoCloseable addUpdateListener(Consumer<ConfigUpdate> listener) {
        updateListeners.add(listener);
        return () -> updateListeners.remove(listener);
    }

    /** Validates and compiles {@code files} as the complete new configuration, and swaps it in when valid. */
    public synchronized ConfigUpdate update(List<ConfigFile> files) {
        ConfigUpdate outcome = apply(files);
        for (Consumer<ConfigUpdate> l : updateListeners) {
            try {
                l.accept(outcome);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "InMesh config update listener " + l + " failed", e);
            }
        }
        return outcome;
    }

    private ConfigUpdate apply(List<ConfigFile> files) {
        MeshSnapshot previous = current;
        ConfigChecker.Result result;
        try {
            result = checker.check(files);
        } catch (RuntimeException e) {
            return internalError("validating", e, files, previous);
        }
        if (!result.valid()) {
            List<Diagnostic> sorted = new ArrayList<>(result.diagnostics());
            sorted.sort((a, b) -> Boolean.compare(b.isError(), a.isError()));
            ConfigRejection rejection = new ConfigRejection(contentHash(files), clock.instant(), sorted);
            lastRejection = rejection;
            logOnce(rejection, previous);
            return new ConfigUpdate.Rejected(previous, rejection);
        }
        String version = SnapshotCompiler.version(result.resources());
        if (loaded && version.equals(previous.version())) {
            lastLoggedRejection = null;
            return new ConfigUpdate.Unchanged(previous);
        }
        MeshSnapshot next;
        try {
            next = new MeshSnapshot(SnapshotCompiler.compile(result.resources(), version, checker.options(),
                    clock.instant()));
        } catch (RuntimeException e) {
            return internalError("compiling", e, files, previous);
        }
        current = next;
        loaded = true;
        lastLoggedRejection = null;
        LOG.log(Level.INFO, () -> "InMesh config version " + shortVersion(next.version()) + " applied: "
                + next.resources().size() + " resources, " + next.routeCount() + " HTTP routes");
        for (Consumer<MeshSnapshot> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "InMesh config listener " + l + " failed", e);
            }
        }
        return new ConfigUpdate.Applied(next, previous, result.diagnostics());
    }

    /** A bug in InMesh met this configuration: fail closed, keep the last good snapshot, log the stack trace. */
    private ConfigUpdate internalError(String doing, RuntimeException e, List<ConfigFile> files,
                                       MeshSnapshot previous) {
        LOG.log(Level.ERROR, "InMesh failed " + doing + " a configuration; the last good one keeps serving", e);
        ConfigRejection rejection = new ConfigRejection(contentHash(files), clock.instant(), List.of(
                new Diagnostic(Severity.ERROR, null, 0, 0, null, null, null, null,
                        "internal error while " + doing + " the configuration (" + e + "); please report it")));
        lastRejection = rejection;
        return new ConfigUpdate.Rejected(previous, rejection);
    }

    private void logOnce(ConfigRejection rejection, MeshSnapshot kept) {
        if (rejection.contentHash().equals(lastLoggedRejection)) {
            return;
        }
        lastLoggedRejection = rejection.contentHash();
        List<Diagnostic> errors = rejection.errors();
        StringBuilder b = new StringBuilder("InMesh config rejected with ").append(errors.size())
                .append(errors.size() == 1 ? " error" : " errors").append("; ")
                .append(loaded ? "keeping version " + shortVersion(kept.version()) : "no valid config loaded yet");
        for (Diagnostic d : errors) {
            b.append(System.lineSeparator()).append("  ").append(d.format());
        }
        LOG.log(Level.WARNING, b.toString());
    }

    static String shortVersion(String version) {
        return version.substring(0, Math.min(12, version.length()));
    }

    static String contentHash(List<ConfigFile> files) {
        return Canonical.sha256(md -> {
            for (ConfigFile f : files) {
                md.update(f.name().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(f.content());
                md.update((byte) 0);
            }
        });
    }
}

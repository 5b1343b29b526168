package io.inmesh.benchmarks;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.internal.ConfigChecker;
import io.inmesh.config.internal.compile.CompiledConfig;
import io.inmesh.config.internal.compile.SnapshotCompiler;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The config plane off the request path: YAML to validated resources, and resources to a compiled snapshot, for
 * 1000 and 10000 HTTP routes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class ConfigCompileBenchmark {

    @Param({"1000", "10000"})
    public int routes;

    private List<ConfigFile> files;
    private ConfigChecker.Result validated;

    @Setup(Level.Trial)
    public void setUp() {
        files = RouteConfigs.files(routes);
        validated = new ConfigChecker(ConfigOptions.DEFAULTS).check(files);
        if (!validated.valid()) {
            throw new IllegalStateException("generated config is invalid: " + validated.diagnostics());
        }
    }

    /** Parse, bind and validate every file (a fresh checker: nothing cached), what a cold reload costs. */
    @Benchmark
    public ConfigChecker.Result parseAndValidate() {
        return new ConfigChecker(ConfigOptions.DEFAULTS).check(files);
    }

    /** Compile validated resources into a snapshot. */
    @Benchmark
    public CompiledConfig compile() {
        return SnapshotCompiler.compile(validated.resources(), ConfigOptions.DEFAULTS, Instant.EPOCH);
    }
}

package io.inmesh.benchmarks;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigWatcher;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.source.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Time from a YAML change on disk to the new snapshot serving: a directory of {@code routes} routes is watched
 * with the default options; each change replaces one file by an atomic rename (as editors and kubelet do) and
 * the clock stops when the holder's listener sees the new snapshot. Arguments: routes (1000), changes (50),
 * services per file (100; 10 routes a service). Prints {@code routes=N files=F changes=C median_ms=X max_ms=Y}
 * after ten unmeasured warm-up changes. Only the changed file is parsed again; the checks across resources and the
 * compilation cover the whole set.
 */
public final class ReloadLatency {
    private ReloadLatency() {
    }

    public static void main(String[] args) throws Exception {
        int routes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int servicesPerFile = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int warmup = 10;
        Path dir = Files.createTempDirectory("inmesh-reload");
        List<ConfigFile> files = RouteConfigs.files(routes, servicesPerFile);
        for (ConfigFile f : files) {
            Files.write(dir.resolve(f.name()), f.content());
        }
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        BlockingQueue<MeshSnapshot> swaps = new ArrayBlockingQueue<>(16);
        try (ConfigWatcher watcher = ConfigWatcher.start(ConfigSources.directory(dir), holder)) {
            holder.addListener(swaps::add);
            Path target = dir.resolve(files.get(0).name());
            String base = new String(files.get(0).content(), java.nio.charset.StandardCharsets.UTF_8);
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < warmup + changes; i++) {
                // Each change moves one weight, so every version differs from the one before.
                String changed = base.replaceFirst("weight: 90", "weight: " + (10 + i));
                Path tmp = dir.resolve(".change.tmp");
                Files.writeString(tmp, changed);
                long start = System.nanoTime();
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                MeshSnapshot s = swaps.poll(30, TimeUnit.SECONDS);
                long end = System.nanoTime();
                if (s == null) {
                    throw new IllegalStateException("no swap within 30 s after change " + i + ": "
                            + watcher.lastReadError().map(Exception::toString).orElse("no read error")
                            + ", last rejection " + holder.lastRejection().map(Object::toString).orElse("none"));
                }
                if (i >= warmup) {
                    millis.add((end - start) / 1e6);
                }
                Thread.sleep(50); // let the source settle so that changes do not merge
            }
            double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            System.out.printf("routes=%d files=%d changes=%d median_ms=%.1f max_ms=%.1f min_ms=%.1f%n", routes,
                    files.size(), changes, median, sorted[sorted.length - 1], sorted[0]);
            if (Arrays.stream(sorted).anyMatch(d -> d < 0)) {
                throw new IllegalStateException("negative latency");
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

package io.inmesh.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigWatcher;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measures, once and on demand (not a test): the time from a ConfigMap update at the (mock) API server to the new
 * snapshot serving, and the threads and heap that the informers add. Run with the test class path:
 * {@code java -cp ... io.inmesh.kubernetes.ConfigMapLatency [updates]}.
 */
public final class ConfigMapLatency {
    private ConfigMapLatency() {
    }

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        try (MockApi api = new MockApi()) {
            KubernetesClient client = api.client;
            client.configMaps().inNamespace("default").resource(ConfigMapConfigSourceTest.configMap("mesh-config",
                    Map.of("reviews.yaml", body(-1)))).create();
            client.resource(KubernetesEndpointRegistryTest.service("reviews", "http", 9080)).inNamespace("default")
                    .create();
            client.configMaps().inNamespace("default").list(); // warm the client's connection pool

            long[] before = usage();
            ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
            AtomicReference<CountDownLatch> swapped = new AtomicReference<>(new CountDownLatch(1));
            holder.addListener(s -> swapped.get().countDown());
            ConfigWatcher watcher = ConfigWatcher.start(ConfigMapConfigSource.named(client, "default", "mesh-config"),
                    holder);
            long[] withSource = usage();
            KubernetesEndpointRegistry registry = KubernetesEndpointRegistry.builder(client).namespace("default")
                    .build();
            long[] withBoth = usage();

            long[] nanos = new long[updates];
            for (int i = 0; i < updates; i++) {
                CountDownLatch latch = new CountDownLatch(1);
                swapped.set(latch);
                long t0 = System.nanoTime();
                client.configMaps().inNamespace("default").resource(ConfigMapConfigSourceTest.configMap(
                        "mesh-config", Map.of("reviews.yaml", body(i)))).update();
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("update " + i + " never served");
                }
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            System.out.printf("ConfigMap update -> snapshot serving, %d updates (quiet period 25 ms): median %.1f ms,"
                    + " p90 %.1f ms, max %.1f ms, min %.1f ms%n", updates, nanos[updates / 2] / 1e6,
                    nanos[updates * 9 / 10] / 1e6, nanos[updates - 1] / 1e6, nanos[0] / 1e6);
            System.out.printf("threads: %d before, +%d with ConfigMapConfigSource, +%d with the registry too%n",
                    before[0], withSource[0] - before[0], withBoth[0] - before[0]);
            System.out.printf("heap after GC: %.1f MiB before, +%.2f MiB with the source, +%.2f MiB with both"
                    + " (1 ConfigMap, 1 Service)%n", before[1] / 1048576.0, (withSource[1] - before[1]) / 1048576.0,
                    (withBoth[1] - before[1]) / 1048576.0);
            registry.close();
            watcher.close();
        }
        System.exit(0);
    }

    private static String body(int i) {
        return ConfigMapConfigSourceTest.routeTo(i % 2 == 0 ? "v2" : "v1")
                .replace("name: reviews\nspec", "name: reviews\n  labels: {n: \"" + i + "\"}\nspec");
    }

    private static long[] usage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return new long[] {ManagementFactory.getThreadMXBean().getThreadCount(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()};
    }
}

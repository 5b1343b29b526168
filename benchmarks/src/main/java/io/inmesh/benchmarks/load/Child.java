package io.inmesh.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started (a server JVM, an nginx master with its workers), whose CPU time is counted: the
 * process and its descendants as they were once it was ready ({@link #settle()}).
 */
final class Child implements AutoCloseable {
    final String name;
    final Process process;
    final Path log;
    private volatile long[] pids;

    private Child(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.pids = new long[] {process.pid()};
    }

    /**
     * Starts {@code command}, pinned to {@code cpus} with {@code taskset} when given (taskset execs the command, so the
     * process keeps the pid), its output in {@code log}.
     */
    static Child start(String name, String cpus, List<String> command, Path log) throws IOException {
        List<String> full = new ArrayList<>();
        if (cpus != null) {
            full.add("taskset");
            full.add("-c");
            full.add(cpus);
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Child(name, p, log);
    }

    /** Records the process and its descendants (nginx's workers) as the ones whose CPU counts. */
    void settle() {
        List<Long> all = new ArrayList<>();
        all.add(process.pid());
        process.descendants().forEach(h -> all.add(h.pid()));
        pids = all.stream().mapToLong(Long::longValue).toArray();
    }

    long[] pids() {
        return pids.clone();
    }

    /** User + system CPU of the process and its recorded descendants, in nanoseconds. */
    long cpuNanos() {
        long sum = 0;
        for (long pid : pids) {
            long n = ProcCpu.cpuNanos(pid);
            if (n < 0) {
                throw new IllegalStateException(name + ": process " + pid + " has gone away; see " + log + ":\n"
                        + tail());
            }
            sum += n;
        }
        return sum;
    }

    /** Fails with the end of the log when the process has exited. */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its output (" + log
                    + "):\n" + tail());
        }
    }

    /** The last lines of the log. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(pids);
    }
}

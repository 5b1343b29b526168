package io.inmesh.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process from {@code /proc/<pid>/stat}: user plus system time of all its threads ({@code utime},
 * {@code stime}, fields 14 and 15), in clock ticks of {@code getconf CLK_TCK} (100 per second on Linux). The resolution
 * is one tick (10 ms), so measurement windows must hold far more CPU time than that.
 */
final class ProcCpu {
    /** Clock ticks per second. */
    static final long TICKS_PER_SECOND = clockTicks();

    private ProcCpu() {
    }

    /** Whether {@code /proc/self/stat} can be read (Linux). */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** The process's user + system CPU time in nanoseconds; -1 when it has gone away. */
    static long cpuNanos(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return -1;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalStateException("/proc/" + pid + "/stat has no ')' after the command: " + stat);
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): utime is field 14 -> f[11], stime field 15 -> f[12]
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0 && out.matches("[0-9]+")) {
                return Long.parseLong(out);
            }
        } catch (IOException e) {
            // fall through to Linux's constant USER_HZ
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}

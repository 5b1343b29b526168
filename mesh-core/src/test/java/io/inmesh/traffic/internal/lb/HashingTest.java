package io.inmesh.traffic.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashingTest {

    /** Byte-wise FNV-1a 64, written independently from the definition, as the reference. */
    private static long referenceFnv1a64(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xffL;
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Test
    void referenceMatchesPublishedFnvVectors() {
        // Published FNV-1a 64 test vectors: "" and "a".
        assertThat(referenceFnv1a64(new byte[0])).isEqualTo(0xcbf29ce484222325L);
        assertThat(referenceFnv1a64("a".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(referenceFnv1a64("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x85944171f73967e8L);
    }

    @Test
    void fnvPartIsFnv1aOverUtf16LittleEndian() {
        for (String s : new String[] {"", "a", "user-42", "10.0.0.1:8080_7", "h\u00e9llo \u4e16\u754c \ud83d\ude00"}) {
            assertThat(Hashing.fnv1a64(s)).as(s).isEqualTo(referenceFnv1a64(s.getBytes(StandardCharsets.UTF_16LE)));
        }
    }

    @Test
    void hashIsFnvFollowedByMix() {
        assertThat(Hashing.hash64("session-1")).isEqualTo(Hashing.mix(Hashing.fnv1a64("session-1")));
        assertThat(Hashing.hash64(new StringBuilder("session-1"))).isEqualTo(Hashing.hash64("session-1"));
    }

    @Test
    void valuesArePinnedBecauseTheyArePersisted() {
        // splitmix64 finaliser known answers: mix(0) = 0, and the first output of splitmix64 seeded with 0
        // is mix(0x9e3779b97f4a7c15) = 0xe220a8397b1dcdaf.
        assertThat(Hashing.mix(0)).isZero();
        assertThat(Hashing.mix(0x9e3779b97f4a7c15L)).isEqualTo(0xe220a8397b1dcdafL);
        // These must never change: users' sticky sessions depend on them.
        assertThat(Hashing.hash64("")).isEqualTo(Hashing.mix(0xcbf29ce484222325L));
        assertThat(Hashing.hash64("user-1")).isEqualTo(Hashing.mix(referenceFnv1a64(
                "user-1".getBytes(StandardCharsets.UTF_16LE))));
    }

    @Test
    void similarKeysSpreadOverHighAndLowBits() {
        int buckets = 64;
        int[] high = new int[buckets];
        int[] low = new int[buckets];
        Set<Long> seen = new HashSet<>();
        int n = 64_000;
        for (int i = 0; i < n; i++) {
            long h = Hashing.hash64("user-" + i);
            seen.add(h);
            high[(int) (h >>> 58)]++;
            low[(int) (h & 63)]++;
        }
        assertThat(seen).hasSize(n);
        // 99.9% critical value of chi-square with 63 degrees of freedom.
        assertThat(Stats.chiSquare(high, n / (double) buckets)).isLessThan(103.442);
        assertThat(Stats.chiSquare(low, n / (double) buckets)).isLessThan(103.442);
    }

    @Test
    void mixAvalanches() {
        // Flipping one input bit flips about half of the output bits.
        long total = 0;
        int samples = 0;
        for (long x = 1; x < 2000; x++) {
            long base = Hashing.mix(x * 0x9e3779b97f4a7c15L);
            for (int bit = 0; bit < 64; bit++) {
                total += Long.bitCount(base ^ Hashing.mix((x * 0x9e3779b97f4a7c15L) ^ (1L << bit)));
                samples++;
            }
        }
        assertThat(total / (double) samples).isBetween(31.5, 32.5);
    }
}

package io.inmesh.traffic.internal.lb;

/**
 * The 64-bit hash used for consistent hashing: request keys (header, cookie, query parameter and source address
 * values) and the positions of endpoints on a hash ring or in a Maglev table.
 *
 * <p>{@link #hash64(CharSequence)} is FNV-1a 64 (offset basis {@code 0xcbf29ce484222325}, prime
 * {@code 0x100000001b3}) over the UTF-16 code units of the text, each unit fed as two bytes, low byte first (so it
 * equals FNV-1a 64 over the text's UTF-16LE encoding), followed by the splitmix64 finaliser {@link #mix(long)}.
 * FNV-1a alone spreads short, similar keys ({@code user-1}, {@code user-2}) poorly over the high bits; the
 * finaliser makes every input bit affect every output bit.
 *
 * <p>The function is fixed: its values are persisted in users' stickiness (a cookie value keeps reaching the same
 * endpoint across restarts and across processes), so it never depends on the JVM, the platform or a random seed,
 * and it must never change. It allocates nothing.
 */
public final class Hashing {

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hashing() {
    }

    /**
     * The 64-bit hash of {@code s}: FNV-1a 64 over its UTF-16LE bytes, then {@link #mix(long)}. Any value may
     * result, including {@link LoadBalancer#NO_HASH}; {@link HashPolicy} maps that one value away.
     */
    public static long hash64(CharSequence s) {
        return mix(fnv1a64(s));
    }

    /**
     * The splitmix64 finaliser (Steele, Lea and Flood's "Fast splittable pseudorandom number generators", the
     * variant with shifts 30/27/31): a bijection on 64-bit values with strong avalanche. {@code mix(0) == 0}.
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** FNV-1a 64 over the UTF-16LE bytes of {@code s}, without the finaliser. */
    static long fnv1a64(CharSequence s) {
        long h = FNV_OFFSET_BASIS;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return h;
    }
}

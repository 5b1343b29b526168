package io.inmesh.traffic.internal.resilience;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Envoy's default retry back-off: exponential with full jitter, from a base interval of 25 ms (or the route's
 * {@code retries.backoff}), capped at ten times the base.
 *
 * <p>Retry {@code n} (1 for the first retry) waits a uniformly random whole number of milliseconds in
 * {@code [0, min((2^n - 1) x base, 10 x base))}. With the default base that is 0-24 ms, 0-74 ms, 0-174 ms, then
 * 0-249 ms for every later retry. This is the formula of Envoy's router documentation ("Given a base interval B and
 * retry number N, the back-off for the retry is in the range [0, (2^N-1)B) ... capped at a maximum interval, which
 * defaults to 10 times the base interval"). Envoy's current source code differs slightly: it draws from
 * {@code [0, B)}, {@code [0, 2B)}, {@code [0, 4B)}, ... up to the same cap. The documented formula is followed here.
 *
 * <p>Written here rather than taken from resilience4j: its {@code IntervalFunction} draws from
 * {@code Math.random()}, which cannot be seeded, and its randomized interval is spread around the exponential value
 * instead of drawn from zero up to it. The random source is a parameter (convention #10).
 *
 * <p>Immutable and thread-safe; {@link #delayMillis} allocates nothing.
 */
public final class Backoff {
    /** Envoy's base interval when a route sets no {@code retries.backoff}. */
    public static final Duration DEFAULT_BASE = Duration.ofMillis(25);

    /** Envoy's cap on the interval: ten times the base. */
    static final int MAX_FACTOR = 10;

    private static final Backoff DEFAULT = new Backoff(DEFAULT_BASE.toMillis());

    private final long baseMillis;
    private final long maxMillis;

    private Backoff(long baseMillis) {
        this.baseMillis = baseMillis;
        this.maxMillis = baseMillis > Long.MAX_VALUE / MAX_FACTOR ? Long.MAX_VALUE : baseMillis * MAX_FACTOR;
    }

    /**
     * The back-off for a route.
     *
     * @param base the route's {@code retries.backoff}, or {@code null} for Envoy's default of 25 ms. A base below
     *             1 ms counts as 1 ms, and fractions of a millisecond are dropped: Envoy keeps whole milliseconds.
     * @throws IllegalArgumentException if {@code base} is zero or negative
     */
    public static Backoff of(Duration base) {
        if (base == null) {
            return DEFAULT;
        }
        if (base.isZero() || base.isNegative()) {
            throw new IllegalArgumentException("retries.backoff: " + base + " (expected: > 0)");
        }
        long millis;
        try {
            millis = base.toMillis();
        } catch (ArithmeticException tooLong) {
            millis = Long.MAX_VALUE;
        }
        return new Backoff(Math.max(1, millis));
    }

    /**
     * A random delay before the given retry, in milliseconds: {@code 0 <= delay < boundMillis(retryNumber)}.
     *
     * @param retryNumber 1 for the first retry (the second try), 2 for the second, ...
     * @param random      the random source (injected so tests can seed it)
     * @throws IllegalArgumentException if {@code retryNumber < 1}
     */
    public long delayMillis(int retryNumber, RandomGenerator random) {
        return random.nextLong(boundMillis(retryNumber));
    }

    /**
     * The exclusive upper bound of the delay before the given retry: {@code min((2^n - 1) x base, maxMillis())}.
     *
     * @throws IllegalArgumentException if {@code retryNumber < 1}
     */
    public long boundMillis(int retryNumber) {
        if (retryNumber < 1) {
            throw new IllegalArgumentException("retryNumber: " + retryNumber + " (expected: >= 1)");
        }
        if (retryNumber >= Long.SIZE - 1) {
            return maxMillis;
        }
        long factor = (1L << retryNumber) - 1;
        // factor * base > max, written without overflowing
        if (factor > maxMillis / baseMillis) {
            return maxMillis;
        }
        return Math.min(factor * baseMillis, maxMillis);
    }

    /** The base interval in milliseconds. */
    public long baseMillis() {
        return baseMillis;
    }

    /** The cap on the interval in milliseconds: ten times the base. No delay reaches it. */
    public long maxMillis() {
        return maxMillis;
    }

    @Override
    public String toString() {
        return "Backoff{base=" + baseMillis + "ms, max=" + maxMillis + "ms, full jitter}";
    }
}

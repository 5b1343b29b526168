package io.inmesh.security.internal.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Envoy's local rate limit token bucket ({@code envoy.type.v3.TokenBucket}): it starts with {@code maxTokens}, each
 * request takes one, and every {@code fillInterval} {@code tokensPerFill} tokens are added, the bucket never
 * holding more than {@code maxTokens}. Fills happen at whole intervals counted from the bucket's creation, as
 * Envoy's fill timer does; they are computed when the bucket is next used rather than by a timer.
 *
 * <p>Lock-free: the state (fills counted, tokens left) is one immutable value swapped by compare-and-set; a refused
 * request changes nothing.
 *
 * <p>Why not resilience4j's {@code AtomicRateLimiter}: it refreshes {@code limitForPeriod} permits per
 * {@code limitRefreshPeriod} but never holds more than {@code limitForPeriod} (on a new cycle it takes
 * {@code min(permits + cycles * limitForPeriod, limitForPeriod)}), so Envoy's usual shape, a burst capacity
 * {@code maxTokens} above the refill {@code tokensPerFill}, cannot be expressed with it; it also reserves permits
 * ahead (negative permits and waiting), which a local rate limit that answers 429 at once has no use for.
 */
final class TokenBucket {

    /** What one request got. */
    record Take(boolean allowed, long remaining, long nanosToNextFill) {
    }

    private record State(long fills, long tokens) {
    }

    private final long maxTokens;
    private final long tokensPerFill;
    private final long intervalNanos;
    private final LongSupplier ticker;
    private final long origin;
    private final AtomicReference<State> state;

    TokenBucket(long maxTokens, long tokensPerFill, Duration fillInterval, LongSupplier ticker) {
        if (maxTokens < 1 || tokensPerFill < 1 || fillInterval.isNegative() || fillInterval.isZero()) {
            throw new IllegalArgumentException("token bucket maxTokens " + maxTokens + ", tokensPerFill "
                    + tokensPerFill + ", fillInterval " + fillInterval + ": expected all positive");
        }
        this.maxTokens = maxTokens;
        this.tokensPerFill = tokensPerFill;
        this.intervalNanos = fillInterval.toNanos();
        this.ticker = ticker;
        this.origin = ticker.getAsLong();
        this.state = new AtomicReference<>(new State(0, maxTokens));
    }

    long maxTokens() {
        return maxTokens;
    }

    /** Takes one token if there is one. */
    Take tryTake() {
        long now = ticker.getAsLong();
        long fillsNow = Math.floorDiv(now - origin, intervalNanos);
        while (true) {
            State s = state.get();
            State filled = refill(s, fillsNow);
            long toNext = origin + (filled.fills() + 1) * intervalNanos - now;
            if (filled.tokens() == 0) {
                return new Take(false, 0, toNext);
            }
            State taken = new State(filled.fills(), filled.tokens() - 1);
            if (state.compareAndSet(s, taken)) {
                return new Take(true, taken.tokens(), toNext);
            }
        }
    }

    /** Tokens there are now, without taking one. */
    long available() {
        return refill(state.get(), Math.floorDiv(ticker.getAsLong() - origin, intervalNanos)).tokens();
    }

    /** True when the bucket is full now: it then behaves exactly as a new one, so dropping it loses nothing. */
    boolean full() {
        return available() == maxTokens;
    }

    private State refill(State s, long fillsNow) {
        if (fillsNow <= s.fills()) {
            return s; // same interval (or a ticker that went back): no fill
        }
        long elapsed = fillsNow - s.fills();
        long missing = maxTokens - s.tokens();
        long tokens = elapsed >= (missing + tokensPerFill - 1) / tokensPerFill ? maxTokens
                : s.tokens() + elapsed * tokensPerFill;
        return new State(fillsNow, tokens);
    }
}

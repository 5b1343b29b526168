package io.inmesh.traffic.internal.resilience;

import io.inmesh.config.DestinationRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A DestinationRule's {@code trafficPolicy.outlierDetection}: passive health checking that ejects an endpoint from
 * load balancing after consecutive errors, following Envoy's consecutive-5xx and consecutive-gateway-failure
 * detectors as Istio configures them.
 *
 * <h2>Counting</h2>
 * A 5xx response counts towards {@code consecutive5xxErrors}; 502, 503 and 504 also count towards
 * {@code consecutiveGatewayErrors}, and any other 5xx resets that count. Any other status resets both. A local failure
 * (connect failure, reset, timeout) counts as a gateway error and as a 5xx, as in Envoy when
 * {@code split_external_local_origin_errors} is off. When a count reaches its threshold it is reset and the endpoint
 * is ejected, unless it already is.
 *
 * <h2>Defaults (Istio + Envoy)</h2>
 * No {@code outlierDetection} block: nothing is ever ejected. With a block: {@code consecutive5xxErrors} 5 (0
 * disables it), {@code consecutiveGatewayErrors} off (0 too), {@code interval} 10 s, {@code baseEjectionTime} 30 s,
 * {@code maxEjectionPercent} 10 (0 counts as unset, as Istio only passes values above 0), {@code minHealthPercent} 0.
 * Envoy's {@code max_ejection_time}, which Istio does not set, is 300 s or the base ejection time if longer. The
 * deprecated {@code consecutiveErrors} is ignored, as by Istio's current control plane.
 *
 * <h2>Ejection (Envoy's algorithm)</h2>
 * <ul>
 *   <li>An ejection is skipped when the ejected endpoints, this one included, would exceed
 *       {@code maxEjectionPercent} of {@code hostCount}: Envoy ejects when
 *       {@code 100 x (ejected + 1) / hostCount <= maxEjectionPercent}. Since Envoy 1.28 this holds for the first
 *       ejection too ("Outlier detection will always respect max_ejection_percent now"); ejecting at least one
 *       endpoint regardless needs Envoy's {@code always_eject_one_host}, which defaults to false and which Istio does
 *       not expose. So with the default 10 %, fewer than 10 endpoints means none is ever ejected.</li>
 *   <li>An endpoint is ejected for {@code min(baseEjectionTime x multiplier, max_ejection_time)}. The multiplier grows
 *       by one with each ejection (while {@code multiplier x base < max + base}) and, once the endpoint is back,
 *       shrinks by one for each full {@code interval} it stays healthy, Envoy's decay of its
 *       {@code ejectTimeBackoff} at each sweep.</li>
 *   <li>Envoy returns an endpoint at the first interval sweep after its time has passed. Here there is no sweep
 *       thread: an endpoint returns the first time it is looked at ({@link #isEjected}, {@link #healthy}) at or after
 *       the end of its ejection, so up to one {@code interval} earlier than in Envoy, and its counts restart at
 *       zero. The multiplier's decay is computed when the endpoint is next ejected, as if a sweep ran every
 *       {@code interval} after its return (Envoy's sweeps have their own phase, so Envoy may have decayed it one
 *       step less).</li>
 *   <li>{@code minHealthPercent} is Envoy's panic threshold: when fewer than that share of the endpoints are in
 *       service, {@link #healthy} returns all of them.</li>
 * </ul>
 *
 * <h2>State</h2>
 * Per-endpoint state lives in a {@link Health} that the caller keeps per endpoint and carries across config reloads;
 * a detector holds only its configuration and the number of endpoints it has ejected. After a reload a new
 * detector takes over the count of a still-ejected endpoint the first time it sees it, and that ejection keeps the
 * duration it was given. A {@code Health} belongs to one load-balancing pool: share it between detectors only in
 * sequence. Unlike Envoy, which rebuilds a cluster and forgets its outlier state when its DestinationRule changes,
 * state survives reloads.
 *
 * <p>Thread-safe and lock-free: counts are atomics and an endpoint's ejection state is one immutable value replaced by
 * compare-and-set. Counting a response allocates nothing; an ejection, a return and a change of the set of ejected
 * endpoints allocate a little. The clock is read only when an endpoint is being ejected or is ejected.
 */
public final class OutlierDetector {
    /** Envoy's default for {@code consecutive_5xx}. */
    public static final int DEFAULT_CONSECUTIVE_5XX_ERRORS = 5;
    /** Envoy's default sweep interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** Envoy's default base ejection time. */
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    /** Envoy's default {@code max_ejection_time} (or the base ejection time, if longer). */
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    /** Envoy's default {@code max_ejection_percent}. */
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    /** Durations are capped here so that clock arithmetic cannot overflow (about 73 years). */
    private static final long MAX_NANOS = Long.MAX_VALUE / 4;

    /**
     * Counts ejections and returns made by any detector, so that {@link #healthy} can hand out the same filtered
     * list while the set of ejected endpoints is unchanged (load balancers cache derived structures by list
     * identity).
     */
    private static final AtomicLong TRANSITIONS = new AtomicLong();

    private static final State NEVER_EJECTED = new State(null, 0, 0, 0);

    private final boolean enabled;
    private final int consecutive5xxErrors;
    private final int consecutiveGatewayErrors;
    private final long intervalNanos;
    private final long baseEjectionNanos;
    private final long maxEjectionNanos;
    private final int maxEjectionPercent;
    private final int minHealthPercent;
    private final LongSupplier nanoClock;
    private final Runnable onEjection;
    private final AtomicInteger ejected = new AtomicInteger();
    private volatile Filtered lastFiltered;

    private OutlierDetector(boolean enabled, int consecutive5xxErrors, int consecutiveGatewayErrors,
                            long intervalNanos, long baseEjectionNanos, int maxEjectionPercent,
                            int minHealthPercent, LongSupplier nanoClock, Runnable onEjection) {
        this.enabled = enabled;
        this.consecutive5xxErrors = consecutive5xxErrors;
        this.consecutiveGatewayErrors = consecutiveGatewayErrors;
        this.intervalNanos = intervalNanos;
        this.baseEjectionNanos = baseEjectionNanos;
        this.maxEjectionNanos = Math.max(DEFAULT_MAX_EJECTION_TIME.toNanos(), baseEjectionNanos);
        this.maxEjectionPercent = maxEjectionPercent;
        this.minHealthPercent = minHealthPercent;
        this.nanoClock = nanoClock;
        this.onEjection = onEjection;
    }

    /**
     * The detector of a traffic policy.
     *
     * @param settings  {@code trafficPolicy.outlierDetection}, or {@code null} for a detector that never ejects
     * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime} outside tests)
     * @throws IllegalArgumentException if a threshold is negative, a duration is not positive or a percentage is
     *                                  outside 0..100
     */
    public static OutlierDetector create(DestinationRule.OutlierDetection settings, LongSupplier nanoClock) {
        return create(settings, nanoClock, () -> { });
    }

    /**
     * The detector of a traffic policy that runs {@code onEjection} after each ejection it makes (for metrics; on the
     * thread that recorded the error).
     */
    public static OutlierDetector create(DestinationRule.OutlierDetection settings, LongSupplier nanoClock,
                                         Runnable onEjection) {
        Objects.requireNonNull(nanoClock, "nanoClock");
        Objects.requireNonNull(onEjection, "onEjection");
        if (settings == null) {
            return new OutlierDetector(false, 0, 0, DEFAULT_INTERVAL.toNanos(),
                    DEFAULT_BASE_EJECTION_TIME.toNanos(), DEFAULT_MAX_EJECTION_PERCENT, 0, nanoClock, onEjection);
        }
        int consecutive5xx = threshold("consecutive5xxErrors", settings.consecutive5xxErrors(),
                DEFAULT_CONSECUTIVE_5XX_ERRORS);
        int consecutiveGateway = threshold("consecutiveGatewayErrors", settings.consecutiveGatewayErrors(), 0);
        long interval = nanos("interval", settings.interval(), DEFAULT_INTERVAL);
        long base = nanos("baseEjectionTime", settings.baseEjectionTime(), DEFAULT_BASE_EJECTION_TIME);
        int maxEjection = percent("maxEjectionPercent", settings.maxEjectionPercent(), DEFAULT_MAX_EJECTION_PERCENT);
        if (maxEjection == 0) {
            maxEjection = DEFAULT_MAX_EJECTION_PERCENT;
        }
        int minHealth = percent("minHealthPercent", settings.minHealthPercent(), 0);
        return new OutlierDetector(true, consecutive5xx, consecutiveGateway, interval, base, maxEjection,
                minHealth, nanoClock, onEjection);
    }

    private static int threshold(String field, Integer value, int absent) {
        if (value == null) {
            return absent;
        }
        if (value < 0) {
            throw new IllegalArgumentException("outlierDetection." + field + ": " + value + " (expected: >= 0)");
        }
        return value;
    }

    private static long nanos(String field, Duration value, Duration absent) {
        Duration d = value == null ? absent : value;
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("outlierDetection." + field + ": " + d + " (expected: > 0)");
        }
        try {
            return Math.min(d.toNanos(), MAX_NANOS);
        } catch (ArithmeticException tooLong) {
            return MAX_NANOS;
        }
    }

    private static int percent(String field, Integer value, int absent) {
        if (value == null) {
            return absent;
        }
        if (value < 0 || value > 100) {
            throw new IllegalArgumentException("outlierDetection." + field + ": " + value + " (expected: 0 to 100)");
        }
        return value;
    }

    /** New state for one endpoint, in service. Keep one per endpoint, across reloads. */
    public Health newHealth() {
        return new Health();
    }

    /**
     * Records an upstream response from the endpoint.
     *
     * @param status    the HTTP status
     * @param hostCount how many endpoints the endpoint's load-balancing pool has, ejected ones included
     */
    public void onResponse(Health h, int status, int hostCount) {
        if (!enabled) {
            return;
        }
        if (status >= 500 && status <= 599) {
            onError(h, status >= 502 && status <= 504, hostCount);
        } else {
            clear(h.consecutive5xx);
            clear(h.consecutiveGateway);
        }
    }

    /**
     * Records a failure to get a response from the endpoint: connect failure, reset or timeout. Counts as a gateway
     * error and as a 5xx.
     *
     * @param hostCount how many endpoints the endpoint's load-balancing pool has, ejected ones included
     */
    public void onLocalFailure(Health h, int hostCount) {
        if (enabled) {
            onError(h, true, hostCount);
        }
    }

    private void onError(Health h, boolean gatewayError, int hostCount) {
        boolean tripped = false;
        if (!gatewayError) {
            clear(h.consecutiveGateway);
        } else if (consecutiveGatewayErrors > 0) {
            tripped = trip(h.consecutiveGateway, consecutiveGatewayErrors);
        }
        if (consecutive5xxErrors > 0 && trip(h.consecutive5xx, consecutive5xxErrors)) {
            tripped = true;
        }
        if (tripped) {
            eject(h, hostCount);
        }
    }

    /** Counts one error; true for the one caller that brings the count to the threshold, which resets it. */
    private static boolean trip(AtomicInteger count, int threshold) {
        int n = count.incrementAndGet();
        return n >= threshold && count.compareAndSet(n, 0);
    }

    private static void clear(AtomicInteger count) {
        if (count.get() != 0) {
            count.set(0);
        }
    }

    private void eject(Health h, int hostCount) {
        State current = h.state.get();
        if (current.ledger != null) {
            // already ejected: Envoy ignores a count reaching its threshold meanwhile
            return;
        }
        if (!reserveEjection(hostCount)) {
            // over maxEjectionPercent: skipped, and the count starts again (Envoy's ejections_overflow)
            return;
        }
        long now = nanoClock.getAsLong();
        int multiplier = decayedMultiplier(current, now);
        if (multiplier * baseEjectionNanos < maxEjectionNanos + baseEjectionNanos) {
            multiplier++;
        }
        long duration = Math.min(multiplier * baseEjectionNanos, maxEjectionNanos);
        State ejection = new State(ejected, now + duration, multiplier, 0);
        if (h.state.compareAndSet(current, ejection)) {
            h.consecutive5xx.set(0);
            h.consecutiveGateway.set(0);
            TRANSITIONS.incrementAndGet();
            onEjection.run();
        } else {
            ejected.decrementAndGet();
        }
    }

    /** Counts one more ejection if Envoy's rule allows it: 100 x (ejected + 1) / hostCount <= maxEjectionPercent. */
    private boolean reserveEjection(int hostCount) {
        for (;;) {
            int current = ejected.get();
            if (100L * (current + 1) > (long) maxEjectionPercent * hostCount) {
                return false;
            }
            if (ejected.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** The multiplier of an endpoint in service, less one for each full interval since it returned. */
    private int decayedMultiplier(State inService, long now) {
        int multiplier = inService.multiplier;
        if (multiplier == 0) {
            return 0;
        }
        long healthyFor = now - inService.returnedNanos;
        if (healthyFor <= 0) {
            return multiplier;
        }
        return (int) Math.max(0, multiplier - healthyFor / intervalNanos);
    }

    /**
     * Whether the endpoint is ejected now. An endpoint whose ejection has ended returns to service here, with its
     * counts reset. A detector that never ejects returns endpoints ejected under an earlier configuration.
     */
    public boolean isEjected(Health h) {
        for (;;) {
            State current = h.state.get();
            if (current.ledger == null) {
                return false;
            }
            long now = nanoClock.getAsLong();
            if (!enabled || now - current.untilNanos >= 0) {
                State back = new State(null, 0, current.multiplier, now);
                if (h.state.compareAndSet(current, back)) {
                    current.ledger.decrementAndGet();
                    h.consecutive5xx.set(0);
                    h.consecutiveGateway.set(0);
                    TRANSITIONS.incrementAndGet();
                    return false;
                }
                continue;
            }
            if (current.ledger != ejected) {
                // ejected under an earlier configuration: this detector counts it from now on
                State adopted = new State(ejected, current.untilNanos, current.multiplier, 0);
                if (!h.state.compareAndSet(current, adopted)) {
                    continue;
                }
                ejected.incrementAndGet();
                current.ledger.decrementAndGet();
            }
            return true;
        }
    }

    /**
     * The endpoints of {@code hosts} that are not ejected. Returns {@code hosts} itself when none is ejected, and also
     * when fewer than {@code minHealthPercent} of them would remain (Envoy's panic mode: outlier detection is
     * ignored). Otherwise returns an unmodifiable list, the same instance for as long as {@code hosts} is the same
     * instance and no endpoint is ejected or returns.
     *
     * @param hosts  all endpoints of the load-balancing pool, a random-access list
     * @param health each endpoint's state
     */
    public <T> List<T> healthy(List<T> hosts, Function<T, Health> health) {
        if (!enabled) {
            return hosts;
        }
        int size = hosts.size();
        int ejectedHere = 0;
        for (int i = 0; i < size; i++) {
            if (isEjected(health.apply(hosts.get(i)))) {
                ejectedHere++;
            }
        }
        if (ejectedHere == 0) {
            return hosts;
        }
        int inService = size - ejectedHere;
        if (100L * inService < (long) minHealthPercent * size) {
            return hosts;
        }
        long transitions = TRANSITIONS.get();
        Filtered last = lastFiltered;
        if (last != null && last.hosts == hosts && last.transitions == transitions) {
            @SuppressWarnings("unchecked")
            List<T> same = (List<T>) last.healthy;
            return same;
        }
        List<T> result = new ArrayList<>(inService);
        for (int i = 0; i < size; i++) {
            T host = hosts.get(i);
            if (!isEjected(health.apply(host))) {
                result.add(host);
            }
        }
        List<T> healthy = Collections.unmodifiableList(result);
        if (TRANSITIONS.get() == transitions) {
            lastFiltered = new Filtered(hosts, transitions, healthy);
        }
        return healthy;
    }

    /** How many endpoints this detector counts as ejected (ended ejections not yet looked at included). */
    public int ejectedCount() {
        return ejected.get();
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "OutlierDetector{disabled}";
        }
        return "OutlierDetector{consecutive5xxErrors=" + off(consecutive5xxErrors)
                + ", consecutiveGatewayErrors=" + off(consecutiveGatewayErrors)
                + ", interval=" + Duration.ofNanos(intervalNanos)
                + ", baseEjectionTime=" + Duration.ofNanos(baseEjectionNanos)
                + ", maxEjectionTime=" + Duration.ofNanos(maxEjectionNanos)
                + ", maxEjectionPercent=" + maxEjectionPercent
                + ", minHealthPercent=" + minHealthPercent
                + ", ejected=" + ejected.get() + "}";
    }

    private static String off(int threshold) {
        return threshold == 0 ? "off" : Integer.toString(threshold);
    }

    /**
     * One endpoint's outlier-detection state: its consecutive error counts and whether, until when and how often in a
     * row it was ejected. Obtained from {@link #newHealth()}; thread-safe.
     */
    public static final class Health {
        final AtomicInteger consecutive5xx = new AtomicInteger();
        final AtomicInteger consecutiveGateway = new AtomicInteger();
        final AtomicReference<State> state = new AtomicReference<>(NEVER_EJECTED);

        Health() {
        }

        @Override
        public String toString() {
            State s = state.get();
            return "Health{" + (s.ledger == null ? "in service" : "ejected")
                    + ", consecutive5xx=" + consecutive5xx.get()
                    + ", consecutiveGateway=" + consecutiveGateway.get()
                    + ", ejectionMultiplier=" + s.multiplier + "}";
        }
    }

    /**
     * An endpoint's ejection state, replaced whole. While ejected, {@code ledger} is the ejected count of the
     * detector that counts this ejection and {@code untilNanos} its end; in service, {@code ledger} is null and
     * {@code returnedNanos} is when the endpoint last returned. {@code multiplier} is Envoy's ejection-time
     * multiplier.
     */
    private static final class State {
        final AtomicInteger ledger;
        final long untilNanos;
        final int multiplier;
        final long returnedNanos;

        State(AtomicInteger ledger, long untilNanos, int multiplier, long returnedNanos) {
            this.ledger = ledger;
            this.untilNanos = untilNanos;
            this.multiplier = multiplier;
            this.returnedNanos = returnedNanos;
        }
    }

    /** The last list {@link #healthy} filtered, for handing out the same instance again. */
    private static final class Filtered {
        final List<?> hosts;
        final long transitions;
        final List<?> healthy;

        Filtered(List<?> hosts, long transitions, List<?> healthy) {
            this.hosts = hosts;
            this.transitions = transitions;
            this.healthy = healthy;
        }
    }
}

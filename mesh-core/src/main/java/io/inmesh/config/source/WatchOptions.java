package io.inmesh.config.source;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ConfigSource} watches: the debounce quiet period, the polling fallback, and whether file-system events
 * are used at all. Immutable; build with {@link #builder()}.
 */
public final class WatchOptions {
    /**
     * Default quiet period: 25 ms. Writers that matter replace files with one rename (kubelet's {@code ..data} swap,
     * editors, {@code mv}), so a short quiet period keeps reloads fast; a half-written file read in between is
     * rejected by validation and the write's next event reloads it.
     */
    public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(25);
    /** Default poll interval: 5 s. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

    private static final WatchOptions DEFAULTS = builder().build();

    private final Duration quietPeriod;
    private final Duration pollInterval;
    private final boolean fileEvents;

    private WatchOptions(Builder b) {
        this.quietPeriod = b.quietPeriod;
        this.pollInterval = b.pollInterval;
        this.fileEvents = b.fileEvents;
    }

    /** 25 ms quiet period, 5 s polling, file-system events on. */
    public static WatchOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * After an event, how long no further event must arrive before {@code onChange} runs. A burst that never goes
     * quiet still fires once the first pending event is {@link #maxDelay()} old.
     */
    public Duration quietPeriod() {
        return quietPeriod;
    }

    /** The longest a pending change waits for quiet: ten quiet periods, at least one second. */
    public Duration maxDelay() {
        Duration tenQuiet = quietPeriod.multipliedBy(10);
        return tenQuiet.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenQuiet;
    }

    /** How often the content is fingerprinted to catch changes the file-system events missed. */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** Whether a {@link java.nio.file.WatchService} is used; when off, only polling detects changes. */
    public boolean fileEvents() {
        return fileEvents;
    }

    @Override
    public String toString() {
        return "WatchOptions[quietPeriod=" + quietPeriod + ", pollInterval=" + pollInterval + ", fileEvents="
                + fileEvents + "]";
    }

    /** Builds {@link WatchOptions}; each setter checks its value. */
    public static final class Builder {
        private Duration quietPeriod = DEFAULT_QUIET_PERIOD;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private boolean fileEvents = true;

        private Builder() {
        }

        /**
         * The debounce quiet period (default 25 ms).
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder quietPeriod(Duration quietPeriod) {
            Objects.requireNonNull(quietPeriod, "quietPeriod");
            if (quietPeriod.isNegative()) {
                throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: >= 0)");
            }
            this.quietPeriod = quietPeriod;
            return this;
        }

        /**
         * The polling fallback's interval (default 5 s). Polling cannot be turned off: it is the safety net for
         * missed events. Use a long interval to rely on events.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder pollInterval(Duration pollInterval) {
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * Whether to use file-system events (default true). Turn off where they do not work (some network mounts) or
         * when the inotify watch limit is a concern; changes are then seen at the next poll.
         */
        public Builder fileEvents(boolean fileEvents) {
            this.fileEvents = fileEvents;
            return this;
        }

        public WatchOptions build() {
            return new WatchOptions(this);
        }
    }
}

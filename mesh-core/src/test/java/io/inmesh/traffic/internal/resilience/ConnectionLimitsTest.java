package io.inmesh.traffic.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.DestinationRule;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    private static ConnectionLimits limits(Integer maxConnections, Integer http1MaxPending, Integer http2MaxRequests,
                                           Integer maxRetries) {
        return ConnectionLimits.create(new DestinationRule.ConnectionPoolSettings(
                new DestinationRule.TcpSettings(maxConnections, null, null, null, null),
                new DestinationRule.HttpSettings(http1MaxPending, http2MaxRequests, null, maxRetries, null, null,
                        null, null)));
    }

    @Test
    void oneConnectionAndOnePendingRequestAllowTwoConcurrentRequestsAsInIstiosCircuitBreakingTask() {
        ConnectionLimits limits = limits(1, 1, null, null);
        assertThat(limits.maxRequests()).isEqualTo(2);
        assertThat(limits.tryAcquireRequest()).isTrue();
        assertThat(limits.tryAcquireRequest()).isTrue();
        assertThat(limits.tryAcquireRequest()).isFalse();
        assertThat(limits.activeRequests()).isEqualTo(2);

        limits.releaseRequest();
        assertThat(limits.activeRequests()).isEqualTo(1);
        assertThat(limits.tryAcquireRequest()).isTrue();
        assertThat(limits.tryAcquireRequest()).isFalse();
        assertThat(limits).hasToString("ConnectionLimits{requests=2/2, retries=0/unlimited}");
    }

    @Test
    void http2MaxRequestsCapsTheSum() {
        assertThat(limits(10, 10, 5, null).maxRequests()).isEqualTo(5);
        assertThat(limits(1, 1, 50, null).maxRequests()).isEqualTo(2);
        assertThat(limits(null, null, 7, null).maxRequests()).isEqualTo(7);
    }

    @Test
    void unsetZeroAndNegativeLimitsAreIstiosUnlimitedClampedToIntMax() {
        assertThat(limits(1, null, null, null).maxRequests()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits(0, 0, 0, 0).maxRequests()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits(-1, 3, null, -1).maxRetries()).isEqualTo(Integer.MAX_VALUE);
        ConnectionLimits partial = ConnectionLimits.create(new DestinationRule.ConnectionPoolSettings(
                new DestinationRule.TcpSettings(3, null, null, null, null), null));
        assertThat(partial.maxRequests()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void withoutSettingsNothingIsLimitedButRequestsAreCounted() {
        ConnectionLimits limits = ConnectionLimits.create(null);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limits.tryAcquireRequest()).isTrue();
            assertThat(limits.tryAcquireRetry()).isTrue();
        }
        assertThat(limits.activeRequests()).isEqualTo(10_000);
        assertThat(limits.activeRetries()).isEqualTo(10_000);
        assertThat(limits).hasToString("ConnectionLimits{requests=10000/unlimited, retries=10000/unlimited}");
    }

    @Test
    void maxRetriesBoundsConcurrentRetries() {
        ConnectionLimits limits = limits(null, null, null, 2);
        assertThat(limits.tryAcquireRetry()).isTrue();
        assertThat(limits.tryAcquireRetry()).isTrue();
        assertThat(limits.tryAcquireRetry()).isFalse();
        assertThat(limits.activeRetries()).isEqualTo(2);
        limits.releaseRetry();
        assertThat(limits.tryAcquireRetry()).isTrue();
        assertThat(limits.tryAcquireRequest()).isTrue();
    }

    @Test
    void anInterruptedThreadIsRefusedAndKeepsItsInterrupt() {
        ConnectionLimits limits = limits(1, 1, null, null);
        Thread.currentThread().interrupt();
        try {
            assertThat(limits.tryAcquireRequest()).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(limits.activeRequests()).isZero();
    }
}

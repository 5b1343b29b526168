package io.inmesh.traffic.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inmesh.config.DestinationRule;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private static RetryBudget budget(Double percent, Integer minRetryConcurrency) {
        return RetryBudget.create(new DestinationRule.RetryBudget(percent, minRetryConcurrency, null));
    }

    private static int acquireAll(RetryBudget budget, int activeRequests) {
        int granted = 0;
        while (granted < 1_000 && budget.tryAcquireRetry(activeRequests)) {
            granted++;
        }
        return granted;
    }

    @Test
    void minRetryConcurrencyIsAFloor() {
        RetryBudget budget = budget(null, null);
        assertThat(acquireAll(budget, 0)).isEqualTo(3);
        assertThat(budget.activeRetries()).isEqualTo(3);
        budget.releaseRetry();
        assertThat(budget.tryAcquireRetry(10)).isTrue();
        assertThat(budget.tryAcquireRetry(10)).isFalse();
    }

    @Test
    void retriesMayBeTwentyPercentOfActiveRequestsByDefault() {
        assertThat(acquireAll(budget(null, null), 100)).isEqualTo(20);
        assertThat(acquireAll(budget(null, null), 19)).isEqualTo(3);
        assertThat(acquireAll(budget(null, null), 24)).isEqualTo(4);
        assertThat(acquireAll(budget(null, null), 25)).isEqualTo(5);
    }

    @Test
    void configuredPercentAndFloor() {
        RetryBudget budget = budget(50.0, 0);
        assertThat(budget.limit(1)).isZero();
        assertThat(budget.limit(3)).isEqualTo(1);
        assertThat(budget.limit(-4)).isZero();
        assertThat(acquireAll(budget, 1)).isZero();
        assertThat(acquireAll(budget, 9)).isEqualTo(4);
        assertThat(budget).hasToString("RetryBudget{percent=50.0, minRetryConcurrency=0, active=4}");
        assertThat(acquireAll(budget(12.5, 1), 80)).isEqualTo(10);
    }

    @Test
    void withoutSettingsEveryRetryIsAllowed() {
        RetryBudget budget = RetryBudget.create(null);
        assertThat(acquireAll(budget, 0)).isEqualTo(1_000);
        assertThat(budget.limit(0)).isEqualTo(Long.MAX_VALUE);
        budget.releaseRetry();
        assertThat(budget).hasToString("RetryBudget{unlimited, active=999}");
    }

    @Test
    void rejectsValuesNoRuleCanMean() {
        assertThatThrownBy(() -> budget(100.5, null))
                .hasMessage("retryBudget.percent: 100.5 (expected: 0 to 100)");
        assertThatThrownBy(() -> budget(Double.NaN, null))
                .hasMessage("retryBudget.percent: NaN (expected: 0 to 100)");
        assertThatThrownBy(() -> budget(null, -1))
                .hasMessage("retryBudget.minRetryConcurrency: -1 (expected: >= 0)");
    }
}

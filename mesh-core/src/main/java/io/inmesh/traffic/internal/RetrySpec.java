package io.inmesh.traffic.internal;

import io.inmesh.config.VirtualService.HttpRetry;
import io.inmesh.traffic.RetryPolicy;
import io.inmesh.traffic.internal.resilience.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A route's retry policy compiled to Envoy's retry conditions as bits. Istio's translation: {@code retries} absent
 * means attempts 2 with {@link #DEFAULT_RETRY_ON}; {@code retryOn} absent keeps the default conditions; numeric
 * tokens become retriable status codes.
 */
public final class RetrySpec {
    public static final String DEFAULT_RETRY_ON =
            "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);

    public static final int FIVE_XX = 1;
    public static final int GATEWAY_ERROR = 1 << 1;
    public static final int RESET = 1 << 2;
    public static final int RESET_BEFORE_REQUEST = 1 << 3;
    public static final int CONNECT_FAILURE = 1 << 4;
    public static final int RETRIABLE_4XX = 1 << 5;
    public static final int REFUSED_STREAM = 1 << 6;
    public static final int RETRIABLE_STATUS_CODES = 1 << 7;
    public static final int RETRIABLE_HEADERS = 1 << 8;
    public static final int ENVOY_RATELIMITED = 1 << 9;
    public static final int HTTP3_POST_CONNECT_FAILURE = 1 << 10;
    public static final int GRPC_CANCELLED = 1 << 11;
    public static final int GRPC_DEADLINE_EXCEEDED = 1 << 12;
    public static final int GRPC_INTERNAL = 1 << 13;
    public static final int GRPC_RESOURCE_EXHAUSTED = 1 << 14;
    public static final int GRPC_UNAVAILABLE = 1 << 15;

    private static final String[] TOKENS = {"5xx", "gateway-error", "reset", "reset-before-request",
            "connect-failure", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "envoy-ratelimited", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable"};

    public static final RetrySpec NONE = new RetrySpec(0, 0, 0, new int[0], true, false, DEFAULT_BACKOFF,
            new RetryPolicy(0, null, List.of(), Set.of(), true, DEFAULT_BACKOFF, false));

    public final int attempts;
    /** Per-try timeout in nanoseconds, 0 for none. */
    public final long perTryTimeoutNanos;
    public final int conditions;
    public final int[] retriableStatusCodes;
    public final boolean ignorePreviousHosts;
    /** Whether {@code retryIgnorePreviousHosts} was written; unset means "yes, unless consistent hashing". */
    public final boolean ignorePreviousHostsSet;
    public final Duration backoff;
    public final Backoff backoffPolicy;
    public final RetryPolicy policy;

    private RetrySpec(int attempts, long perTryTimeoutNanos, int conditions, int[] codes, boolean ignorePreviousHosts,
                      boolean ignorePreviousHostsSet, Duration backoff, RetryPolicy policy) {
        this.ignorePreviousHostsSet = ignorePreviousHostsSet;
        this.attempts = attempts;
        this.perTryTimeoutNanos = perTryTimeoutNanos;
        this.conditions = conditions;
        this.retriableStatusCodes = codes;
        this.ignorePreviousHosts = ignorePreviousHosts;
        this.backoff = backoff;
        this.backoffPolicy = Backoff.of(backoff);
        this.policy = policy;
    }

    /** Compiles {@code retries} (null: Istio's default policy). */
    public static RetrySpec of(HttpRetry retries) {
        boolean isDefault = retries == null;
        int attempts = isDefault ? 2 : retries.attempts() == null ? 2 : retries.attempts();
        if (attempts <= 0) {
            return NONE;
        }
        Duration perTry = isDefault ? null : positive(retries.perTryTimeout());
        String retryOn = isDefault || retries.retryOn() == null || retries.retryOn().isBlank()
                ? DEFAULT_RETRY_ON : retries.retryOn();
        boolean ignorePrevious = isDefault || retries.retryIgnorePreviousHosts() == null
                || retries.retryIgnorePreviousHosts();
        Duration backoff = isDefault || positive(retries.backoff()) == null ? DEFAULT_BACKOFF : retries.backoff();
        int conditions = 0;
        List<String> tokens = new ArrayList<>();
        Set<Integer> codes = new LinkedHashSet<>();
        for (String raw : retryOn.split(",")) {
            String t = raw.trim();
            if (t.isEmpty()) {
                continue;
            }
            tokens.add(t);
            if (t.chars().allMatch(Character::isDigit)) {
                codes.add(Integer.parseInt(t));
                conditions |= RETRIABLE_STATUS_CODES;
                continue;
            }
            for (int i = 0; i < TOKENS.length; i++) {
                if (TOKENS[i].equals(t)) {
                    conditions |= 1 << i;
                }
            }
        }
        int[] codeArray = codes.stream().mapToInt(Integer::intValue).toArray();
        RetryPolicy policy = new RetryPolicy(attempts, perTry, tokens, codes, ignorePrevious, backoff, isDefault);
        boolean ignoreSet = !isDefault && retries.retryIgnorePreviousHosts() != null;
        return new RetrySpec(attempts, perTry == null ? 0 : perTry.toNanos(), conditions, codeArray, ignorePrevious,
                ignoreSet, backoff, policy);
    }

    private static Duration positive(Duration d) {
        return d == null || d.isZero() || d.isNegative() ? null : d;
    }

    public boolean has(int condition) {
        return (conditions & condition) != 0;
    }

    /** True when a response with {@code status} (and gRPC status, -1 when none) is retriable under this policy. */
    public boolean retriableResponse(int status, int grpcStatus, boolean envoyRateLimited) {
        if (attempts == 0) {
            return false;
        }
        if (status >= 500 && has(FIVE_XX)) {
            return true;
        }
        if ((status == 502 || status == 503 || status == 504) && has(GATEWAY_ERROR)) {
            return true;
        }
        if (status == 409 && has(RETRIABLE_4XX)) {
            return true;
        }
        if (has(RETRIABLE_STATUS_CODES)) {
            for (int c : retriableStatusCodes) {
                if (c == status) {
                    return true;
                }
            }
        }
        if (envoyRateLimited && has(ENVOY_RATELIMITED)) {
            return true;
        }
        switch (grpcStatus) {
            case 1:
                return has(GRPC_CANCELLED);
            case 4:
                return has(GRPC_DEADLINE_EXCEEDED);
            case 8:
                return has(GRPC_RESOURCE_EXHAUSTED);
            case 13:
                return has(GRPC_INTERNAL);
            case 14:
                return has(GRPC_UNAVAILABLE);
            default:
                return false;
        }
    }

    /** True when a try that failed without a response is retriable under this policy. */
    public boolean retriableFailure(TryFailure failure) {
        if (attempts == 0) {
            return false;
        }
        switch (failure) {
            case CONNECT_FAILURE:
                return has(CONNECT_FAILURE | RESET_BEFORE_REQUEST | RESET | FIVE_XX | GATEWAY_ERROR);
            case REFUSED_STREAM:
                return has(REFUSED_STREAM | RESET | FIVE_XX | GATEWAY_ERROR);
            case RESET:
                return has(RESET | FIVE_XX | GATEWAY_ERROR);
            case TIMEOUT:
                return has(FIVE_XX | GATEWAY_ERROR | RESET);
            case TLS_FAILURE:
            default:
                return false;
        }
    }
}

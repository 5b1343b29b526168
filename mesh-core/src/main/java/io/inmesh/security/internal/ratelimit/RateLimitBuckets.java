package io.inmesh.security.internal.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The token buckets of LocalRateLimits, kept across config snapshots: a policy's buckets live as long as a
 * {@link LocalRateLimiter} compiled for the same workload finds the policy with the same content (namespace, name
 * and spec, compared by a SHA-256 of a canonical form). A changed policy starts with fresh, full buckets; one no
 * longer applying to the workload is forgotten when the next limiter for that workload is compiled.
 *
 * <p>Each workload served in the process has buckets of its own, as each Envoy sidecar has: two workloads in one
 * JVM selected by the same policy do not share tokens.
 *
 * <p>{@code perPrincipal} policies hold one set of buckets per peer principal, at most
 * {@link #DEFAULT_MAX_PRINCIPALS} by default. When a new principal finds the map full, buckets that are full again
 * are dropped first (a full bucket is indistinguishable from a new one, so nothing is lost); if that is not enough,
 * the least recently used tenth goes, and those principals start over with full buckets when they come back.
 */
public final class RateLimitBuckets {
    /** Default bound on principals tracked per {@code perPrincipal} policy. */
    public static final int DEFAULT_MAX_PRINCIPALS = 10_000;

    private final LongSupplier ticker;
    private final int maxPrincipals;
    private final Map<String, Map<String, PolicyState>> workloads = new ConcurrentHashMap<>();

    /** Buckets timed by {@code nanoTicker} (a monotonic nanosecond source such as {@code System::nanoTime}). */
    public RateLimitBuckets(LongSupplier nanoTicker) {
        this(nanoTicker, DEFAULT_MAX_PRINCIPALS);
    }

    public RateLimitBuckets(LongSupplier nanoTicker, int maxPrincipalsPerPolicy) {
        if (maxPrincipalsPerPolicy < 1) {
            throw new IllegalArgumentException("maxPrincipalsPerPolicy " + maxPrincipalsPerPolicy
                    + " must be at least 1");
        }
        this.ticker = nanoTicker;
        this.maxPrincipals = maxPrincipalsPerPolicy;
    }

    /** Buckets on {@link System#nanoTime()}. */
    public static RateLimitBuckets system() {
        return new RateLimitBuckets(System::nanoTime);
    }

    /**
     * The states for {@code policies} of {@code workload}, in the same order: existing ones for policies whose
     * content key is unchanged, new ones otherwise. States of this workload's other policies are forgotten.
     */
    synchronized List<PolicyState> bind(String workload, List<Policy> policies) {
        Map<String, PolicyState> old = workloads.getOrDefault(workload, Map.of());
        Map<String, PolicyState> next = new HashMap<>();
        List<PolicyState> out = new ArrayList<>(policies.size());
        for (Policy p : policies) {
            PolicyState s = next.get(p.key());
            if (s == null) {
                s = old.get(p.key());
                if (s == null) {
                    s = new PolicyState(p, ticker, maxPrincipals);
                }
                next.put(p.key(), s);
            }
            out.add(s);
        }
        if (next.isEmpty()) {
            workloads.remove(workload);
        } else {
            workloads.put(workload, Map.copyOf(next));
        }
        return out;
    }

    /** Number of policies whose buckets are held, over all workloads. */
    public int policies() {
        int n = 0;
        for (Map<String, PolicyState> m : workloads.values()) {
            n += m.size();
        }
        return n;
    }

    /** A bucket's shape. */
    record BucketSpec(long maxTokens, long tokensPerFill, Duration fillInterval) {
        TokenBucket newBucket(LongSupplier ticker) {
            return new TokenBucket(maxTokens, tokensPerFill, fillInterval, ticker);
        }
    }

    /** One policy's buckets: default and overrides, shared or per principal. */
    static final class PolicyState {
        final Policy policy;
        private final LongSupplier ticker;
        private final TokenBucket[] shared;
        private final Map<String, Tracked> byPrincipal;
        private final int maxPrincipals;

        private static final class Tracked {
            final TokenBucket[] buckets;
            volatile long lastUsed;

            Tracked(TokenBucket[] buckets, long now) {
                this.buckets = buckets;
                this.lastUsed = now;
            }
        }

        PolicyState(Policy policy, LongSupplier ticker, int maxPrincipals) {
            this.policy = policy;
            this.ticker = ticker;
            this.maxPrincipals = maxPrincipals;
            if (policy.perPrincipal()) {
                this.shared = null;
                this.byPrincipal = new ConcurrentHashMap<>();
            } else {
                this.shared = newBuckets();
                this.byPrincipal = null;
            }
        }

        private TokenBucket[] newBuckets() {
            TokenBucket[] b = new TokenBucket[1 + policy.overrides().size()];
            b[0] = policy.bucket().newBucket(ticker);
            for (int i = 0; i < policy.overrides().size(); i++) {
                b[i + 1] = policy.overrides().get(i).bucket().newBucket(ticker);
            }
            return b;
        }

        /** The bucket for override {@code override} (-1: default) and {@code principal} (null: no peer identity). */
        TokenBucket bucket(int override, String principal) {
            TokenBucket[] set = shared != null ? shared : forPrincipal(principal == null ? "" : principal);
            return set[override + 1];
        }

        private TokenBucket[] forPrincipal(String principal) {
            long now = ticker.getAsLong();
            Tracked t = byPrincipal.get(principal);
            if (t == null) {
                if (byPrincipal.size() >= maxPrincipals) {
                    evict();
                }
                t = byPrincipal.computeIfAbsent(principal, p -> new Tracked(newBuckets(), now));
            }
            t.lastUsed = now;
            return t.buckets;
        }

        /** Makes room: full buckets first (lossless), then the least recently used tenth. */
        private synchronized void evict() {
            if (byPrincipal.size() < maxPrincipals) {
                return;
            }
            byPrincipal.values().removeIf(t -> {
                for (TokenBucket b : t.buckets) {
                    if (!b.full()) {
                        return false;
                    }
                }
                return true;
            });
            if (byPrincipal.size() < maxPrincipals) {
                return;
            }
            List<Map.Entry<String, Tracked>> entries = new ArrayList<>(byPrincipal.entrySet());
            entries.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
            int drop = Math.max(1, byPrincipal.size() - maxPrincipals + maxPrincipals / 10);
            for (int i = 0; i < drop && i < entries.size(); i++) {
                byPrincipal.remove(entries.get(i).getKey(), entries.get(i).getValue());
            }
        }

        /** Principals tracked (0 for a shared policy). */
        int principals() {
            return byPrincipal == null ? 0 : byPrincipal.size();
        }
    }
}

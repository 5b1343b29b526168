package io.inmesh.security.internal.ratelimit;

import io.inmesh.config.LocalRateLimit;
import io.inmesh.config.internal.Canonical;
import io.inmesh.security.internal.ratelimit.Matching.Pattern;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One LocalRateLimit, compiled.
 *
 * @param name         {@code namespace/name}
 * @param key          SHA-256 (hex) of the policy's canonical content: equal content, equal key
 * @param bucket       the default bucket
 * @param perPrincipal one set of buckets per peer principal
 * @param overrides    in order; the first that matches a request decides its bucket
 */
record Policy(String name, String key, RateLimitBuckets.BucketSpec bucket, boolean perPrincipal,
              List<OverrideRule> overrides) {

    /** An override: each field present must match (lists ORed); an absent or empty one matches anything. */
    record OverrideRule(List<Pattern> paths, Set<String> methods, List<Pattern> principals,
                    RateLimitBuckets.BucketSpec bucket) {
        boolean matches(String path, String method, String principal) {
            return (paths.isEmpty() || Pattern.any(paths, path))
                    && (methods.isEmpty() || methods.contains(method))
                    && (principals.isEmpty() || Pattern.any(principals, principal));
        }
    }

    /** The index of the first override matching the request, or -1 for the default bucket. */
    int select(String path, String method, String principal) {
        for (int i = 0; i < overrides.size(); i++) {
            if (overrides.get(i).matches(path, method, principal)) {
                return i;
            }
        }
        return -1;
    }

    boolean matchesPaths() {
        for (OverrideRule o : overrides) {
            if (!o.paths().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    static Policy compile(LocalRateLimit rl) {
        String name = rl.metadata().namespace() + "/" + rl.metadata().name();
        LocalRateLimit.Spec s = rl.spec();
        List<OverrideRule> overrides = new ArrayList<>();
        if (s.overrides() != null) {
            for (LocalRateLimit.BucketOverride o : s.overrides()) {
                LocalRateLimit.Match m = o.match();
                overrides.add(new OverrideRule(patterns(m == null ? null : m.paths()),
                        m == null || m.methods() == null ? Set.of()
                                : Set.copyOf(m.methods().stream().map(x -> x.toUpperCase(Locale.ROOT)).toList()),
                        patterns(m == null ? null : m.principals()), spec(o.tokenBucket())));
            }
        }
        return new Policy(name, key(rl), spec(s.tokenBucket()), Boolean.TRUE.equals(s.perPrincipal()),
                List.copyOf(overrides));
    }

    private static List<Pattern> patterns(List<String> values) {
        if (values == null) {
            return List.of();
        }
        return values.stream().map(v -> new Pattern(v.startsWith("spiffe://") ? v.substring(9) : v)).toList();
    }

    /** Envoy's defaults: {@code tokensPerFill} 1. The validator guarantees maxTokens and fillInterval. */
    private static RateLimitBuckets.BucketSpec spec(LocalRateLimit.TokenBucket b) {
        return new RateLimitBuckets.BucketSpec(b.maxTokens(), b.tokensPerFill() == null ? 1 : b.tokensPerFill(),
                b.fillInterval());
    }

    /**
     * The content key: namespace, name, selector (labels sorted), buckets, perPrincipal and overrides, each string
     * length-prefixed so that no two different policies share a canonical text.
     */
    static String key(LocalRateLimit rl) {
        StringBuilder b = new StringBuilder(256);
        str(b, rl.metadata().namespace());
        str(b, rl.metadata().name());
        LocalRateLimit.Spec s = rl.spec();
        Map<String, String> labels = s.selector() == null || s.selector().matchLabels() == null ? Map.of()
                : s.selector().matchLabels();
        b.append("selector{");
        new TreeMap<>(labels).forEach((k, v) -> {
            str(b, k);
            str(b, v);
        });
        b.append('}');
        bucket(b, s.tokenBucket());
        b.append("perPrincipal=").append(Boolean.TRUE.equals(s.perPrincipal()));
        if (s.overrides() != null) {
            for (LocalRateLimit.BucketOverride o : s.overrides()) {
                b.append("override{");
                LocalRateLimit.Match m = o.match();
                list(b, "paths", m == null ? null : m.paths());
                list(b, "methods", m == null ? null : m.methods());
                list(b, "principals", m == null ? null : m.principals());
                bucket(b, o.tokenBucket());
                b.append('}');
            }
        }
        return Canonical.sha256(md -> md.update(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void bucket(StringBuilder b, LocalRateLimit.TokenBucket t) {
        b.append("bucket(").append(t.maxTokens()).append(',').append(t.tokensPerFill() == null ? 1 : t.tokensPerFill())
                .append(',').append(t.fillInterval() == null ? Duration.ZERO.toNanos() : t.fillInterval().toNanos())
                .append(')');
    }

    private static void list(StringBuilder b, String name, List<String> values) {
        b.append(name).append('[');
        if (values != null) {
            for (String v : values) {
                str(b, v);
            }
        }
        b.append(']');
    }

    private static void str(StringBuilder b, String s) {
        String v = s == null ? "" : s;
        b.append(v.length()).append(':').append(v);
    }
}

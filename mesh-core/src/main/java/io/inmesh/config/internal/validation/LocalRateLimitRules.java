package io.inmesh.config.internal.validation;

import io.inmesh.config.LocalRateLimit;
import java.time.Duration;

/** Rules for InMesh's LocalRateLimit, following Envoy's local rate limit filter. */
final class LocalRateLimitRules {
    private LocalRateLimitRules() {
    }

    static void validate(LocalRateLimit rl, Report r) {
        var s = rl.spec();
        Checks.selector(r, "spec.selector", s.selector());
        if (s.tokenBucket() == null) {
            r.error("spec.tokenBucket", "missing: a LocalRateLimit needs a tokenBucket");
        } else {
            bucket(s.tokenBucket(), "spec.tokenBucket", r);
        }
        Checks.emptyList(r, "spec.overrides", s.overrides(), "overrides");
        for (int i = 0; i < Checks.size(s.overrides()); i++) {
            var o = s.overrides().get(i);
            String p = "spec.overrides[" + i + "]";
            if (o.match() == null || (Checks.size(o.match().paths()) == 0 && Checks.size(o.match().methods()) == 0
                    && Checks.size(o.match().principals()) == 0)) {
                r.error(p + ".match", "an override needs a match with paths, methods or principals");
            } else {
                for (int j = 0; j < Checks.size(o.match().paths()); j++) {
                    String path = o.match().paths().get(j);
                    if (!path.startsWith("/") && !path.startsWith("*")) {
                        r.error(p + ".match.paths[" + j + "]", "path " + Report.q(path) + " must start with /");
                    }
                }
                for (int j = 0; j < Checks.size(o.match().methods()); j++) {
                    String m = o.match().methods().get(j);
                    if (!VirtualServiceRules.HTTP_METHODS.contains(m)) {
                        r.error(p + ".match.methods[" + j + "]", "method " + Report.q(m) + " is not an HTTP method");
                    }
                }
            }
            if (o.tokenBucket() == null) {
                r.error(p + ".tokenBucket", "missing: an override needs its own tokenBucket");
            } else {
                bucket(o.tokenBucket(), p + ".tokenBucket", r);
            }
        }
    }

    private static void bucket(LocalRateLimit.TokenBucket b, String p, Report r) {
        if (b.maxTokens() == null) {
            r.error(p + ".maxTokens", "missing: a token bucket needs maxTokens");
        } else if (b.maxTokens() < 1) {
            r.error(p + ".maxTokens", "maxTokens " + b.maxTokens() + " must be at least 1");
        }
        if (b.tokensPerFill() != null && b.tokensPerFill() < 1) {
            r.error(p + ".tokensPerFill", "tokensPerFill " + b.tokensPerFill() + " must be at least 1");
        }
        if (b.fillInterval() == null) {
            r.error(p + ".fillInterval", "missing: a token bucket needs fillInterval");
        } else if (b.fillInterval().compareTo(Duration.ofMillis(50)) < 0) {
            r.error(p + ".fillInterval", "fillInterval " + io.inmesh.config.internal.bind.Durations.format(b.fillInterval())
                    + " is too short; Envoy's local rate limit needs at least 50ms");
        } else {
            Checks.duration(r, p + ".fillInterval", b.fillInterval());
        }
    }
}

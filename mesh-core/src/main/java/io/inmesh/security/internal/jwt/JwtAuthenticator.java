package io.inmesh.security.internal.jwt;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.RequestAuthentication;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Istio's RequestAuthentication for one workload, compiled from one config snapshot: which tokens it accepts, where
 * it looks for them, and what it outputs. {@link #authenticate} decides for a request and performs no I/O except,
 * when a rule's remote key set was never fetched (or is too old to use), a wait for that fetch bounded by the rule's
 * {@code timeout}; see {@link JwksCache}.
 *
 * <p>Semantics, with their sources:
 * <ul>
 *   <li>All RequestAuthentications that apply to the workload (mesh, namespace, workload scope) combine, as in
 *       Istio. Within one policy a later rule with an issuer already seen is ignored (the validator warns). Across
 *       policies, rules with the same issuer are alternatives: a token passes when any of them accepts it (Istio
 *       turns each rule into an Envoy provider and ORs them).</li>
 *   <li>Locations: a rule's {@code fromHeaders} ({@code prefix} matched at the start of the value, ignoring ASCII
 *       case as RFC 7235 does for auth schemes; without a prefix the whole value), {@code fromParams} (first value)
 *       and {@code fromCookies}; with none of them, {@code Authorization: Bearer <token>} and the query parameter
 *       {@code access_token}. Only locations some rule names are read. A header whose value lacks the prefix
 *       (such as {@code Authorization: Basic ...}) holds no token.</li>
 *   <li>No token anywhere: {@link JwtResult.NoToken}. A token is matched to the rules at its location by its
 *       {@code iss}; none matching: rejected with Envoy's {@code Jwt issuer is not configured}. A rule without an
 *       issuer accepts any.</li>
 *   <li>Several tokens: every one must verify, or the request is rejected (Envoy's authenticator: "if a request has
 *       multiple tokens, all of them must be valid", so a backend never reads an unverified one). Istio calls the
 *       principal of such requests undefined; InMesh takes the token whose issuer sorts first, as Istio's authn
 *       filter does. This is stricter than Istio, whose ORed providers accept a good token for one rule next to a
 *       bad one at another rule's location.</li>
 *   <li>Verification: JWS compact form only; {@code alg} one of RS256/384/512, PS256/384/512, ES256/384/512
 *       ({@code none} and HMAC are refused, so an RSA public key can never be used as an HMAC secret; a rule's key
 *       set keeps only RSA and EC public keys); the key by {@code kid} when both token and key have one; signature
 *       (nimbus-jose-jwt), then {@code exp} and {@code nbf} with 60 s of clock skew (Envoy's default; a token
 *       without {@code exp} does not expire, as in Envoy without {@code require_expiration}), then audiences: any
 *       configured one equal to any in the token, ignoring a leading {@code http(s)://} and a trailing {@code /}
 *       (Envoy), none configured accepting any.</li>
 *   <li>Outputs on success: {@code outputPayloadToHeader} gets the token's payload segment as sent (base64url);
 *       {@code outputClaimToHeaders} gets string, integer and boolean claims, nested ones by {@code a.b.c}; these
 *       headers are removed from every request first, as Envoy sanitizes them. The token's header or query
 *       parameter is removed unless {@code forwardOriginalToken}; a cookie is left, as in Envoy.</li>
 *   <li>Identity: principal {@code <iss>/<sub>} (null without both), audiences, {@code azp} as presenter, and the
 *       claims, with {@code scope}, {@code permission} and {@code spaceDelimitedClaims} split on spaces into lists
 *       (Istio 1.21+ and istio/api#3547).</li>
 * </ul>
 */
public final class JwtAuthenticator {

    enum Kind { HEADER, PARAM, COOKIE }

    /** A place a token may be: header (with a value prefix), query parameter or cookie. */
    record Location(Kind kind, String name, String prefix) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + " " + name;
        }
    }

    private static final Location DEFAULT_HEADER = new Location(Kind.HEADER, "authorization", "Bearer ");
    private static final Location DEFAULT_PARAM = new Location(Kind.PARAM, "access_token", "");
    private static final JwtResult.NoToken NOTHING = new JwtResult.NoToken(List.of());

    private record Found(Location location, String token, List<JwtRule> rules) {
    }

    private record Verified(Found found, SignedJWT jwt, JWTClaimsSet claims, JwtRule rule) {
        String issuer() {
            return claims.getIssuer();
        }
    }

    private final Map<Location, List<JwtRule>> locations;
    private final List<JwtRule> rules;
    private final JwksCache cache;
    private final JwtResult.NoToken noToken;

    private JwtAuthenticator(Map<Location, List<JwtRule>> locations, List<JwtRule> rules, List<String> outputHeaders,
                             JwksCache cache) {
        this.locations = locations;
        this.rules = rules;
        this.cache = cache;
        this.noToken = outputHeaders.isEmpty() ? NOTHING : new JwtResult.NoToken(outputHeaders);
    }

    /** The RequestAuthentications of {@code snapshot} that apply to the workload, compiled. */
    public static JwtAuthenticator forWorkload(MeshSnapshot snapshot, String namespace, Map<String, String> labels,
                                               JwksCache cache) {
        return of(snapshot.requestAuthentications().forWorkload(namespace, labels).all(), cache);
    }

    /** {@code policies} compiled, in the order given (mesh, namespace, workload scope). */
    public static JwtAuthenticator of(List<RequestAuthentication> policies, JwksCache cache) {
        Map<Location, List<JwtRule>> locations = new LinkedHashMap<>();
        List<JwtRule> rules = new ArrayList<>();
        Set<String> outputs = new LinkedHashSet<>();
        for (RequestAuthentication ra : policies) {
            if (ra.spec() == null || ra.spec().jwtRules() == null) {
                continue;
            }
            String policy = ra.metadata().namespace() + "/" + ra.metadata().name();
            Set<String> issuers = new HashSet<>();
            for (RequestAuthentication.JwtRule r : ra.spec().jwtRules()) {
                String issuer = r.issuer() == null || r.issuer().isEmpty() ? null : r.issuer();
                if (issuer != null && !issuers.add(issuer)) {
                    continue; // the validator warned: a later rule for the same issuer in one policy is ignored
                }
                JwtRule rule = compile(policy, issuer, r);
                rules.add(rule);
                for (Location loc : locations(r)) {
                    locations.computeIfAbsent(loc, l -> new ArrayList<>()).add(rule);
                }
                if (rule.payloadHeader() != null) {
                    outputs.add(rule.payloadHeader());
                }
                for (JwtRule.ClaimHeader c : rule.claimHeaders()) {
                    outputs.add(c.header());
                }
            }
        }
        Map<Location, List<JwtRule>> frozen = new LinkedHashMap<>();
        locations.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new JwtAuthenticator(frozen, List.copyOf(rules), List.copyOf(outputs), cache);
    }

    private static JwtRule compile(String policy, String issuer, RequestAuthentication.JwtRule r) {
        Set<String> audiences = new HashSet<>();
        if (r.audiences() != null) {
            for (String a : r.audiences()) {
                audiences.add(JwtRule.sanitizeAudience(a));
            }
        }
        List<JwtRule.ClaimHeader> claimHeaders = new ArrayList<>();
        if (r.outputClaimToHeaders() != null) {
            for (RequestAuthentication.ClaimToHeader c : r.outputClaimToHeaders()) {
                if (c.header() != null && !c.header().isEmpty() && c.claim() != null && !c.claim().isEmpty()) {
                    claimHeaders.add(new JwtRule.ClaimHeader(c.header().toLowerCase(Locale.ROOT), c.claim()));
                }
            }
        }
        Set<String> spaceDelimited = new LinkedHashSet<>(Claims.ALWAYS_SPACE_DELIMITED);
        if (r.spaceDelimitedClaims() != null) {
            spaceDelimited.addAll(r.spaceDelimitedClaims());
        }
        Duration timeout = r.timeout() == null || r.timeout().isNegative() || r.timeout().isZero()
                ? JwksCache.DEFAULT_TIMEOUT : r.timeout();
        String payloadHeader = r.outputPayloadToHeader() == null || r.outputPayloadToHeader().isEmpty() ? null
                : r.outputPayloadToHeader().toLowerCase(Locale.ROOT);
        return new JwtRule(policy, issuer, Set.copyOf(audiences), keys(issuer, r),
                Boolean.TRUE.equals(r.forwardOriginalToken()), payloadHeader, List.copyOf(claimHeaders),
                Set.copyOf(spaceDelimited), timeout);
    }

    /** {@code jwks} wins over {@code jwksUri} (Istio ignores the URI then); neither: OpenID discovery. */
    private static JwtRule.Keys keys(String issuer, RequestAuthentication.JwtRule r) {
        if (r.jwks() != null && !r.jwks().isBlank()) {
            try {
                return new JwtRule.Keys.Inline(JwksCache.usableKeys(JwksCache.parseSet(r.jwks())), null);
            } catch (ParseException | RuntimeException e) {
                return new JwtRule.Keys.Inline(null, "jwks: " + e.getMessage());
            }
        }
        try {
            if (r.jwksUri() != null && !r.jwksUri().isBlank()) {
                return new JwtRule.Keys.Remote(JwksCache.Source.jwks(new URI(r.jwksUri())));
            }
            if (issuer != null) {
                return new JwtRule.Keys.Remote(JwksCache.Source.discovery(issuer));
            }
            return new JwtRule.Keys.None("no jwks, jwksUri or issuer");
        } catch (URISyntaxException e) {
            return new JwtRule.Keys.None(e.getMessage());
        }
    }

    private static List<Location> locations(RequestAuthentication.JwtRule r) {
        List<Location> out = new ArrayList<>();
        if (r.fromHeaders() != null) {
            for (RequestAuthentication.JwtHeader h : r.fromHeaders()) {
                if (h.name() != null && !h.name().isEmpty()) {
                    out.add(new Location(Kind.HEADER, h.name().toLowerCase(Locale.ROOT),
                            h.prefix() == null ? "" : h.prefix()));
                }
            }
        }
        if (r.fromParams() != null) {
            for (String p : r.fromParams()) {
                if (!p.isEmpty()) {
                    out.add(new Location(Kind.PARAM, p, ""));
                }
            }
        }
        if (r.fromCookies() != null) {
            for (String c : r.fromCookies()) {
                if (!c.isEmpty()) {
                    out.add(new Location(Kind.COOKIE, c, ""));
                }
            }
        }
        if (out.isEmpty()) {
            out.add(DEFAULT_HEADER);
            out.add(DEFAULT_PARAM);
        }
        return out;
    }

    /** True when no JWT rule applies: every request gets {@link JwtResult.NoToken}. */
    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Number of rules in force. */
    public int ruleCount() {
        return rules.size();
    }

    /** Authenticates one request. */
    public JwtResult authenticate(InboundRequest request) {
        if (locations.isEmpty()) {
            return noToken;
        }
        List<Found> found = extract(request);
        if (found.isEmpty()) {
            return noToken;
        }
        Instant now = cache.clock().instant();
        List<Verified> verified = new ArrayList<>(found.size());
        for (Found f : found) {
            Object outcome = verify(f, now);
            if (outcome instanceof String reason) {
                return new JwtResult.Rejected(reason);
            }
            verified.add((Verified) outcome);
        }
        Verified primary = verified.get(0);
        for (Verified v : verified) {
            if (issuerOrder(v).compareTo(issuerOrder(primary)) < 0) {
                primary = v;
            }
        }
        Map<String, String> set = new LinkedHashMap<>();
        outputs(primary, set);
        Set<String> removeHeaders = new LinkedHashSet<>(noToken.removeHeaders());
        Set<String> removeParams = new LinkedHashSet<>();
        for (Verified v : verified) {
            outputs(v, set);
            if (!v.rule().forward()) {
                Location loc = v.found().location();
                if (loc.kind() == Kind.HEADER) {
                    removeHeaders.add(loc.name());
                } else if (loc.kind() == Kind.PARAM) {
                    removeParams.add(loc.name());
                }
            }
        }
        return new JwtResult.Authenticated(identity(primary), set, List.copyOf(removeHeaders),
                List.copyOf(removeParams));
    }

    private static String issuerOrder(Verified v) {
        String iss = v.issuer();
        return iss == null ? "\uffff" : iss;
    }

    /** Adds the headers a verified token outputs; a header another token already set keeps its value. */
    private static void outputs(Verified v, Map<String, String> set) {
        JwtRule rule = v.rule();
        if (rule.payloadHeader() != null) {
            set.putIfAbsent(rule.payloadHeader(), v.jwt().getParsedParts()[1].toString());
        }
        if (!rule.claimHeaders().isEmpty()) {
            Map<String, Object> raw = v.claims().toJSONObject();
            for (JwtRule.ClaimHeader c : rule.claimHeaders()) {
                String value = Claims.headerValue(Claims.lookup(raw, c.claim()));
                if (value != null) {
                    set.putIfAbsent(c.header(), value);
                }
            }
        }
    }

    private static RequestIdentity identity(Verified v) {
        JWTClaimsSet claims = v.claims();
        Map<String, Object> raw = claims.toJSONObject();
        String iss = claims.getIssuer();
        String sub = claims.getSubject();
        String principal = iss != null && sub != null ? iss + "/" + sub : null;
        String presenter = raw.get("azp") instanceof String s ? s : null;
        return new RequestIdentity(principal, iss, sub, claims.getAudience(), presenter,
                Claims.exposed(raw, v.rule().spaceDelimited()));
    }

    /** A {@link Verified} token, or the reason it is rejected. */
    private Object verify(Found f, Instant now) {
        String token = f.token();
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Reasons.BAD_FORMAT;
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return malformed(parts[0]);
        }
        if (!JwtRule.ALGORITHMS.contains(jwt.getHeader().getAlgorithm()) || parts[2].isEmpty()) {
            return Reasons.UNSUPPORTED_ALG;
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return Reasons.BAD_PAYLOAD;
        }
        String iss = claims.getIssuer();
        List<JwtRule> candidates = new ArrayList<>(2);
        for (JwtRule r : f.rules()) {
            if (r.issuer() != null && r.issuer().equals(iss)) {
                candidates.add(r);
            }
        }
        for (JwtRule r : f.rules()) {
            if (r.issuer() == null) {
                candidates.add(r);
            }
        }
        if (candidates.isEmpty()) {
            return Reasons.UNKNOWN_ISSUER;
        }
        String first = null;
        for (JwtRule r : candidates) {
            String reason = r.check(jwt, claims, now, cache);
            if (reason == null) {
                return new Verified(f, jwt, claims, r);
            }
            if (first == null) {
                first = reason;
            }
        }
        return first;
    }

    /** Why a three-part token did not parse as a JWS: an unsigned ({@code alg: none}) one, or a bad header. */
    private static String malformed(String headerPart) {
        Map<String, Object> header;
        try {
            header = JSONObjectUtils.parse(new Base64URL(headerPart).decodeToString());
        } catch (ParseException | RuntimeException e) {
            return Reasons.BAD_HEADER;
        }
        Object alg = header.get("alg");
        if (alg == null || "none".equalsIgnoreCase(String.valueOf(alg))) {
            return Reasons.UNSUPPORTED_ALG;
        }
        return Reasons.BAD_FORMAT;
    }

    private List<Found> extract(InboundRequest request) {
        List<Found> found = new ArrayList<>(1);
        for (var e : locations.entrySet()) {
            Location loc = e.getKey();
            switch (loc.kind()) {
                case HEADER -> {
                    for (String value : request.headers(loc.name())) {
                        String token = headerToken(value, loc.prefix());
                        if (token != null) {
                            found.add(new Found(loc, token, e.getValue()));
                        }
                    }
                }
                case PARAM -> {
                    String value = request.queryParameter(loc.name());
                    if (value != null) {
                        found.add(new Found(loc, value.strip(), e.getValue()));
                    }
                }
                case COOKIE -> {
                    String value = cookie(request, loc.name());
                    if (value != null) {
                        found.add(new Found(loc, value, e.getValue()));
                    }
                }
                default -> throw new IllegalStateException("location kind " + loc.kind());
            }
        }
        return found;
    }

    /** The token in a header value: what follows the prefix, or the whole value without one; null without the prefix. */
    static String headerToken(String value, String prefix) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (prefix.isEmpty()) {
            return v;
        }
        if (v.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return v.substring(prefix.length()).strip();
        }
        String trimmedPrefix = prefix.strip();
        if (!trimmedPrefix.equals(prefix) && v.equalsIgnoreCase(trimmedPrefix)) {
            return ""; // "Bearer" with nothing after it: a token was meant, and it is malformed
        }
        return null;
    }

    /** The first value of cookie {@code name} over all Cookie headers (RFC 6265 section 5.4), unquoted; or null. */
    static String cookie(InboundRequest request, String name) {
        for (String header : request.headers("cookie")) {
            for (String pair : header.split(";")) {
                String p = pair.strip();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).strip().equals(name)) {
                    String v = p.substring(eq + 1).strip();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                        v = v.substring(1, v.length() - 1);
                    }
                    return v;
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "JwtAuthenticator{rules=" + rules.size() + ", locations=" + locations.keySet() + "}";
    }
}

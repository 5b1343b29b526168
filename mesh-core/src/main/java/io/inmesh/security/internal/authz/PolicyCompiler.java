package io.inmesh.security.internal.authz;

import io.inmesh.config.AuthorizationPolicy;
import io.inmesh.config.AuthorizationPolicy.Action;
import io.inmesh.config.AuthorizationPolicy.Condition;
import io.inmesh.config.AuthorizationPolicy.From;
import io.inmesh.config.AuthorizationPolicy.Operation;
import io.inmesh.config.AuthorizationPolicy.Rule;
import io.inmesh.config.AuthorizationPolicy.Source;
import io.inmesh.config.AuthorizationPolicy.To;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.InboundRequest;
import io.inmesh.security.RequestIdentity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Compiles AuthorizationPolicies into {@link Cond} trees, following Istio's model
 * (istio/istio {@code pilot/pkg/security/authz/model/model.go}): a rule matches when one of its {@code from}, one of
 * its {@code to} and all of its {@code when} match; inside a source or operation the fields are ANDed; the values of
 * a field are ORed; {@code notX} is NOT(any of the values); a missing or empty list does not constrain.
 *
 * <p>A value that cannot be compiled (the validator refuses such values, so this is defence in depth) is handled as
 * Istio's {@code checkError} does: in an ALLOW policy the whole rule is dropped (it allows less); in a DENY or AUDIT
 * policy the value is skipped (it denies more).
 */
final class PolicyCompiler {

    /** One compiled policy. */
    static final class Compiled {
        final String name;
        final Action action;
        final Cond[] rules;
        final AuthzDecision[] decisions; // one per rule, for ALLOW and DENY
        final boolean usesPath;

        Compiled(String name, Action action, Cond[] rules, AuthzDecision[] decisions, boolean usesPath) {
            this.name = name;
            this.action = action;
            this.rules = rules;
            this.decisions = decisions;
            this.usesPath = usesPath;
        }

        /** The index of the first rule that matches, or -1. */
        int match(InboundRequest r, RequestIdentity id, String path) {
            for (int i = 0; i < rules.length; i++) {
                if (rules[i].test(r, id, path)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A value failed to compile. */
    private static final class BadValue extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadValue(String message) {
            super(message, null, false, false);
        }
    }

    private final Action action;
    private final String namespace;
    private boolean usesPath;

    private PolicyCompiler(Action action, String namespace) {
        this.action = action;
        this.namespace = namespace;
    }

    static String name(AuthorizationPolicy p) {
        return p.metadata().namespace() + "/" + p.metadata().name();
    }

    static Action action(AuthorizationPolicy p) {
        return p.spec().action() == null ? Action.ALLOW : p.spec().action();
    }

    /** Compiles an ALLOW, DENY or AUDIT policy. */
    static Compiled compile(AuthorizationPolicy p) {
        Action action = action(p);
        String name = name(p);
        PolicyCompiler c = new PolicyCompiler(action, p.metadata().namespace());
        List<Rule> rules = p.spec().rules() == null ? List.of() : p.spec().rules();
        List<Cond> compiled = new ArrayList<>();
        List<AuthzDecision> decisions = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            Cond cond;
            try {
                cond = c.rule(rule == null ? new Rule(null, null, null) : rule);
            } catch (BadValue e) {
                cond = Cond.NEVER; // ALLOW: the rule is dropped
            }
            compiled.add(cond);
            decisions.add(decision(action, name, i));
        }
        return new Compiled(name, action, compiled.toArray(new Cond[0]), decisions.toArray(new AuthzDecision[0]),
                c.usesPath);
    }

    private static AuthzDecision decision(Action action, String name, int rule) {
        return switch (action) {
            case ALLOW -> new AuthzDecision(true, name, "ALLOW", "allowed by ALLOW policy " + name + " (rules["
                    + rule + "] matched)");
            case DENY -> new AuthzDecision(false, name, "DENY", "denied by DENY policy " + name + " (rules[" + rule
                    + "] matched): RBAC: access denied");
            default -> null; // AUDIT never decides
        };
    }

    private Cond rule(Rule r) {
        List<Cond> and = new ArrayList<>();
        if (r.from() != null && !r.from().isEmpty()) {
            List<Cond> any = new ArrayList<>();
            for (From f : r.from()) {
                any.add(f == null || f.source() == null ? Cond.ALWAYS : source(f.source()));
            }
            and.add(Cond.anyOf(any));
        }
        if (r.to() != null && !r.to().isEmpty()) {
            List<Cond> any = new ArrayList<>();
            for (To t : r.to()) {
                any.add(t == null || t.operation() == null ? Cond.ALWAYS : operation(t.operation()));
            }
            and.add(Cond.anyOf(any));
        }
        if (r.when() != null) {
            for (Condition w : r.when()) {
                if (w != null) {
                    and.add(condition(w));
                }
            }
        }
        return Cond.allOf(and);
    }

    private Cond source(Source s) {
        List<Cond> and = new ArrayList<>();
        field(and, s.principals(), s.notPrincipals(), Cond::principal);
        field(and, s.requestPrincipals(), s.notRequestPrincipals(), Cond::requestPrincipal);
        field(and, s.namespaces(), s.notNamespaces(), Cond::namespace);
        field(and, s.ipBlocks(), s.notIpBlocks(), v -> Cond.ip(Cond.Address.SOURCE, v));
        field(and, s.remoteIpBlocks(), s.notRemoteIpBlocks(), v -> Cond.ip(Cond.Address.REMOTE, v));
        field(and, s.serviceAccounts(), s.notServiceAccounts(), v -> Cond.serviceAccount(v, namespace));
        return Cond.allOf(and);
    }

    private Cond operation(Operation o) {
        List<Cond> and = new ArrayList<>();
        field(and, o.hosts(), o.notHosts(), Cond::host);
        field(and, o.ports(), o.notPorts(), v -> Cond.port(port(v)));
        field(and, o.methods(), o.notMethods(), Cond::method);
        int before = and.size();
        field(and, o.paths(), o.notPaths(), Cond::path);
        usesPath |= and.size() > before;
        return Cond.allOf(and);
    }

    private Cond condition(Condition w) {
        String key = w.key() == null ? "" : w.key();
        // in a DENY or AUDIT policy, a header sent several times matches a value when one of its values does (Envoy
        // matches the joined values only, so repeating the header would step around the DENY); notValues keep
        // Envoy's joined form, which already fails closed for them
        Function<String, Cond> values = valuesFor(key, action != Action.ALLOW);
        Function<String, Cond> notValues = valuesFor(key, false);
        if (values == null) {
            // unknown key (the validator refuses it): ALLOW allows less, DENY and AUDIT match more
            if (action == Action.ALLOW) {
                throw new BadValue("unknown condition key " + key);
            }
            return Cond.ALWAYS;
        }
        List<Cond> and = new ArrayList<>();
        field(and, w.values(), null, values);
        field(and, null, w.notValues(), notValues);
        return Cond.allOf(and);
    }

    /**
     * How one value of a condition with {@code key} compiles, or null for an unknown key; {@code anyRepeatedValue}: a
     * repeated header matches when any one of its values does, not only their joined form.
     */
    private Function<String, Cond> valuesFor(String key, boolean anyRepeatedValue) {
        switch (key) {
            case "source.ip":
                return v -> Cond.ip(Cond.Address.SOURCE, v);
            case "remote.ip":
                return v -> Cond.ip(Cond.Address.REMOTE, v);
            case "destination.ip":
                return v -> Cond.ip(Cond.Address.DESTINATION, v);
            case "destination.port":
                return v -> Cond.port(port(v));
            case "source.namespace":
                return Cond::namespace;
            case "source.principal":
                return Cond::principal;
            case "source.serviceAccount":
                return v -> Cond.serviceAccount(v, namespace);
            case "request.auth.principal":
                return Cond::requestPrincipal;
            case "request.auth.audiences":
                return Cond::audience;
            case "request.auth.presenter":
                return Cond::presenter;
            case "connection.sni":
                return Cond::sni;
            default:
                break;
        }
        String header = bracketed(key, "request.headers[");
        if (header != null) {
            String name = header.toLowerCase(Locale.ROOT);
            return v -> Cond.header(name, v, false, anyRepeatedValue);
        }
        String inline = bracketed(key, "request.experimental.inline.headers[");
        if (inline != null) {
            String name = inline.toLowerCase(Locale.ROOT);
            return v -> Cond.header(name, v, true, anyRepeatedValue);
        }
        String claims = bracketed(key, "request.auth.claims[");
        if (claims != null) {
            List<String> path = Arrays.asList(claims.split("\\]\\[", -1));
            if (path.contains("")) {
                return null;
            }
            return v -> Cond.claim(path, v);
        }
        if (key.startsWith("experimental.envoy.filters.") && key.endsWith("]") && key.indexOf('[') > 0) {
            // Envoy filter metadata: no such filter runs in-process, so the attribute is absent and no value matches
            // (as in Istio for traffic that filter does not see)
            return v -> Cond.NEVER;
        }
        return null;
    }

    /** The text between {@code prefix} and a final {@code ]}, or null. */
    private static String bracketed(String key, String prefix) {
        if (key.startsWith(prefix) && key.endsWith("]") && key.length() > prefix.length() + 1) {
            return key.substring(prefix.length(), key.length() - 1);
        }
        return null;
    }

    private static int port(String v) {
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadValue("not a port: " + v);
    }

    /** Adds "any of values" and "none of notValues" for one field; empty lists add nothing. */
    private void field(List<Cond> and, List<String> values, List<String> notValues, Function<String, Cond> compile) {
        if (values != null && !values.isEmpty()) {
            List<Cond> any = compileAll(values, compile);
            if (!any.isEmpty()) {
                and.add(Cond.anyOf(any));
            }
        }
        if (notValues != null && !notValues.isEmpty()) {
            List<Cond> any = compileAll(notValues, compile);
            if (!any.isEmpty()) {
                and.add(Cond.not(Cond.anyOf(any)));
            }
        }
    }

    private List<Cond> compileAll(List<String> values, Function<String, Cond> compile) {
        List<Cond> out = new ArrayList<>(values.size());
        for (String v : values) {
            try {
                if (v == null || v.isEmpty()) {
                    throw new BadValue("empty value");
                }
                out.add(compile.apply(v));
            } catch (BadValue | IllegalArgumentException e) {
                if (action == Action.ALLOW) {
                    throw e instanceof BadValue b ? b : new BadValue(e.getMessage());
                }
                // DENY, AUDIT: skip the value, matching more
            }
        }
        return out;
    }
}

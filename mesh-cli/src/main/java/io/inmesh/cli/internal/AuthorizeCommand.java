package io.inmesh.cli.internal;

import io.inmesh.config.MeshSnapshot;
import io.inmesh.config.PeerAuthentication.Mode;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.internal.authz.AuthorizationEngine;
import io.inmesh.security.internal.authz.PathNormalizer;
import io.inmesh.security.internal.authz.PeerAuthenticationResolver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code mesh authorize}: reads the configuration as {@code mesh validate} does, then decides one inbound request to
 * one workload with the AuthorizationPolicies in force, and shows the mTLS mode its PeerAuthentications set for the
 * port. Exit code 0 when the request is allowed, {@link #DENIED} when it is denied (403, or 400 for a path that is
 * rejected before authorization).
 */
final class AuthorizeCommand {

    /** The request is denied. Distinct from 1 (invalid configuration), so a script cannot mistake one for the other. */
    static final int DENIED = 4;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** The outcome, as both output forms show it. */
    record Outcome(AuthzDecision decision, boolean badRequest, String path, PeerAuthenticationResolver.Resolved mtls,
                   List<String> policies, List<String> notes) {
        String verdict() {
            return decision.allowed() ? "ALLOW" : "DENY";
        }

        Integer httpStatus() {
            return decision.allowed() ? null : badRequest ? 400 : 403;
        }
    }

    private final PrintStream out;
    private final PrintStream err;

    AuthorizeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(AuthorizeOptions options) {
        ConfigLoad.Result loaded = ConfigLoad.load(options.configs(), "authorize", options.json(),
                "nothing is decided", out, err);
        if (loaded.snapshot() == null) {
            return loaded.exitCode();
        }
        Outcome outcome = decide(loaded.snapshot(), options);
        if (options.json()) {
            out.println(toJson(outcome, options));
        } else {
            out.print(toText(outcome, options));
        }
        return outcome.decision().allowed() ? ExitCode.OK : DENIED;
    }

    static Outcome decide(MeshSnapshot snapshot, AuthorizeOptions o) {
        AuthorizationEngine engine = AuthorizationEngine.forWorkload(snapshot, o.namespace(), o.labels());
        AuthzDecision decision = engine.evaluate(o.request(), o.identity());
        PathNormalizer.Result path = engine.normalizer().normalize(o.request().path());
        PeerAuthenticationResolver.Resolved mtls = PeerAuthenticationResolver.resolve(snapshot, o.namespace(),
                o.labels(), o.port());
        List<String> notes = new ArrayList<>();
        if (mtls.mode() == Mode.STRICT && o.request().peer() == null) {
            notes.add("mTLS is STRICT on port " + o.port() + ": a plaintext request (no --principal) is refused in"
                    + " the TLS handshake, before authorization");
        }
        if (mtls.mode() == Mode.DISABLE && o.request().peer() != null) {
            notes.add("mTLS is DISABLE on port " + o.port() + ": requests arrive without a client certificate, so"
                    + " the workload never sees the --principal given");
        }
        for (String custom : engine.ignoredPolicies()) {
            notes.add("CUSTOM policy " + custom + " is not supported by InMesh and is ignored");
        }
        if (!path.rejected() && !path.path().equals(o.request().path())) {
            notes.add("the path is matched as " + path.path());
        }
        String audit = engine.auditPolicy(o.request(), o.identity());
        if (audit != null) {
            notes.add("AUDIT policy " + audit + " matches: the request is marked for auditing");
        }
        return new Outcome(decision, AuthorizationEngine.isBadRequest(decision),
                path.rejected() ? null : path.path(), mtls, engine.policies(), List.copyOf(notes));
    }

    /** One JSON object; keys in a fixed order. */
    static String toJson(Outcome outcome, AuthorizeOptions o) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("decision", outcome.verdict());
        root.put("policy", outcome.decision().policy());
        root.put("action", outcome.decision().action());
        root.put("reason", outcome.decision().reason());
        root.put("httpStatus", outcome.httpStatus());
        root.put("mtlsMode", outcome.mtls().mode().name());
        root.put("mtlsPolicy", outcome.mtls().policy());
        root.put("path", outcome.path());
        ObjectNode workload = root.putObject("workload");
        workload.put("namespace", o.namespace());
        ObjectNode labels = workload.putObject("labels");
        new TreeMap<>(o.labels()).forEach(labels::put);
        root.put("port", o.port());
        ArrayNode policies = root.putArray("policies");
        outcome.policies().forEach(policies::add);
        ArrayNode notes = root.putArray("notes");
        outcome.notes().forEach(notes::add);
        return MAPPER.writeValueAsString(root);
    }

    static String toText(Outcome outcome, AuthorizeOptions o) {
        StringBuilder b = new StringBuilder();
        AuthzDecision d = outcome.decision();
        line(b, "Decision:", outcome.verdict() + (outcome.httpStatus() == null ? "" : " (" + outcome.httpStatus()
                + ")"));
        line(b, "Policy:", d.policy() == null ? "none" : d.policy() + " (" + d.action() + ")");
        line(b, "Reason:", d.reason());
        line(b, "Workload:", o.namespace() + " " + labels(o.labels()));
        line(b, "Path:", outcome.path() == null ? "rejected" : outcome.path());
        PeerAuthenticationResolver.Resolved m = outcome.mtls();
        line(b, "mTLS:", m.mode() + " on port " + o.port() + (m.policy() == null ? " (default)"
                : " (" + m.scope() + " policy " + m.policy() + ")"));
        line(b, "Policies:", outcome.policies().isEmpty() ? "none" : String.join(", ", outcome.policies()));
        for (String note : outcome.notes()) {
            line(b, "Note:", note);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format("%-10s %s%n", label, Text.escapeControls(value)));
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "(no labels)";
        }
        StringBuilder b = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }
}

package io.inmesh.security.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import io.inmesh.security.AuthzDecision;
import io.inmesh.security.RequestIdentity;
import io.inmesh.security.SpiffeId;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Golden authorization matrices: each directory under {@code src/test/resources/authz} holds policy files and a
 * {@code cases.yaml}. Its steps apply or delete files (as {@code kubectl apply -f} / {@code delete -f} would: a
 * resource with the same kind, namespace and name is replaced) and list requests with the expected decision:
 * {@code expect: ALLOW | DENY | BAD_REQUEST}, optionally {@code policy: ns/name} (or null) and {@code audit}.
 * Top-level {@code workload} and {@code request} are defaults that a case overrides field by field.
 *
 * <p>Request fields: method, path (raw, with an optional query), host, port, principal (the peer,
 * {@code td/ns/NS/sa/SA}), sourceIp, destinationIp, sni, headers (name: value or [values]), jwt {iss, sub, aud,
 * azp, claims}.
 */
class AuthorizationGoldenTest {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    static Path root() throws URISyntaxException {
        return Path.of(AuthorizationGoldenTest.class.getResource("/authz").toURI());
    }

    static List<Path> scenarios() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicNode> goldenMatrices() throws Exception {
        List<DynamicNode> out = new ArrayList<>();
        for (Path dir : scenarios()) {
            out.add(DynamicContainer.dynamicContainer(dir.getFileName().toString(), scenario(dir)));
        }
        return out.stream();
    }

    @Test
    void theMatricesAreLarge() throws Exception {
        int cases = 0;
        for (Path dir : scenarios()) {
            for (JsonNode step : YAML.readTree(Files.readString(dir.resolve("cases.yaml"))).get("steps").values()) {
                cases += step.has("cases") ? step.get("cases").size() : 0;
            }
        }
        assertThat(scenarios()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(cases).isGreaterThanOrEqualTo(150);
    }

    private static Stream<DynamicNode> scenario(Path dir) throws IOException {
        JsonNode spec = YAML.readTree(Files.readString(dir.resolve("cases.yaml")));
        assertThat(spec.has("source")).as("%s/cases.yaml names its source", dir.getFileName()).isTrue();
        Map<String, String> applied = new LinkedHashMap<>();
        List<DynamicNode> steps = new ArrayList<>();
        int index = 0;
        for (JsonNode step : spec.get("steps").values()) {
            for (JsonNode f : list(step.get("delete"))) {
                documents(dir.resolve(f.stringValue())).keySet().forEach(applied::remove);
            }
            for (JsonNode f : list(step.get("apply"))) {
                applied.putAll(documents(dir.resolve(f.stringValue())));
            }
            MeshSnapshot snapshot = snapshot(dir.getFileName() + " step " + index, applied.values());
            List<DynamicTest> tests = new ArrayList<>();
            for (JsonNode c : list(step.get("cases"))) {
                String name = c.get("name").stringValue();
                tests.add(DynamicTest.dynamicTest(name, () -> check(snapshot, spec, c)));
            }
            String stepName = step.has("name") ? step.get("name").stringValue() : "step " + index;
            steps.add(DynamicContainer.dynamicContainer(index + ": " + stepName, tests));
            index++;
        }
        return steps.stream();
    }

    private static Iterable<JsonNode> list(JsonNode n) {
        return n == null || n.isNull() ? List.of() : n.values();
    }

    /** The YAML documents of a file, keyed by kind/namespace/name. */
    private static Map<String, String> documents(Path file) throws IOException {
        Map<String, String> docs = new LinkedHashMap<>();
        for (String part : Files.readString(file).split("(?m)^---\\s*$")) {
            if (part.strip().isEmpty() || part.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            JsonNode doc = YAML.readTree(part);
            JsonNode meta = doc.get("metadata");
            String ns = meta.has("namespace") ? meta.get("namespace").stringValue() : "default";
            docs.put(doc.get("kind").stringValue() + "/" + ns + "/" + meta.get("name").stringValue(), part);
        }
        return docs;
    }

    private static MeshSnapshot snapshot(String name, Iterable<String> docs) {
        String yaml = String.join("\n---\n", docs);
        ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS);
        if (yaml.isBlank()) {
            return holder.current();
        }
        ConfigUpdate u = holder.update(List.of(new ConfigFile(name + ".yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        if (u instanceof ConfigUpdate.Rejected r) {
            fail("%s does not validate: %s", name, r.rejection().diagnostics());
        }
        return holder.current();
    }

    private static void check(MeshSnapshot snapshot, JsonNode spec, JsonNode c) {
        JsonNode workload = merge(spec.get("workload"), c.get("workload"));
        JsonNode request = merge(spec.get("request"), c.get("request"));
        String namespace = workload.has("namespace") ? workload.get("namespace").stringValue() : "default";
        Map<String, String> labels = new LinkedHashMap<>();
        if (workload.has("labels")) {
            workload.get("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        }
        AuthorizationEngine engine = AuthorizationEngine.forWorkload(snapshot, namespace, labels);
        StaticInboundRequest r = request(request);
        RequestIdentity identity = identity(request.get("jwt"));

        AuthzDecision d = engine.evaluate(r, identity);

        String expect = c.get("expect").stringValue();
        String got = AuthorizationEngine.isBadRequest(d) ? "BAD_REQUEST" : d.allowed() ? "ALLOW" : "DENY";
        assertThat(got).as("%s in %s%s: %s", r, namespace, labels, d).isEqualTo(expect);
        if (c.has("policy")) {
            String policy = c.get("policy").isNull() ? null : c.get("policy").stringValue();
            assertThat(d.policy()).as("deciding policy; %s", d).isEqualTo(policy);
        }
        assertThat(d.reason()).isNotBlank();
        if (c.has("audit")) {
            String audit = c.get("audit").isNull() ? null : c.get("audit").stringValue();
            assertThat(engine.auditPolicy(r, identity)).as("audit policy").isEqualTo(audit);
        }
    }

    /** {@code base} with the fields of {@code override} replacing its own. */
    private static JsonNode merge(JsonNode base, JsonNode override) {
        ObjectNode out = YAML.createObjectNode();
        if (base != null) {
            base.properties().forEach(e -> out.set(e.getKey(), e.getValue()));
        }
        if (override != null) {
            override.properties().forEach(e -> out.set(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static StaticInboundRequest request(JsonNode n) {
        StaticInboundRequest.Builder b = StaticInboundRequest.builder();
        if (n.has("method")) {
            b.method(n.get("method").stringValue());
        }
        if (n.has("path")) {
            b.path(n.get("path").stringValue());
        }
        if (n.has("host")) {
            b.host(n.get("host").stringValue());
        }
        if (n.has("port")) {
            b.destinationPort(n.get("port").intValue());
        }
        if (n.has("principal")) {
            b.peer(SpiffeId.parse("spiffe://" + n.get("principal").stringValue()));
        }
        if (n.has("sourceIp")) {
            b.sourceIp(n.get("sourceIp").stringValue());
        }
        if (n.has("destinationIp")) {
            b.destinationIp(n.get("destinationIp").stringValue());
        }
        if (n.has("sni")) {
            b.sni(n.get("sni").stringValue());
        }
        if (n.has("headers")) {
            for (Map.Entry<String, JsonNode> h : n.get("headers").properties()) {
                if (h.getValue().isArray()) {
                    h.getValue().values().forEach(v -> b.header(h.getKey(), v.asString()));
                } else {
                    b.header(h.getKey(), h.getValue().asString());
                }
            }
        }
        return b.build();
    }

    private static RequestIdentity identity(JsonNode jwt) {
        if (jwt == null || jwt.isNull()) {
            return null;
        }
        String iss = jwt.get("iss").stringValue();
        String sub = jwt.get("sub").stringValue();
        List<String> aud = new ArrayList<>();
        if (jwt.has("aud")) {
            if (jwt.get("aud").isArray()) {
                jwt.get("aud").values().forEach(a -> aud.add(a.stringValue()));
            } else {
                aud.add(jwt.get("aud").stringValue());
            }
        }
        String azp = jwt.has("azp") ? jwt.get("azp").stringValue() : null;
        Map<String, Object> claims = new LinkedHashMap<>();
        if (jwt.has("claims")) {
            jwt.get("claims").properties().forEach(e -> claims.put(e.getKey(), java(e.getValue())));
        }
        claims.put("iss", iss);
        claims.put("sub", sub);
        return new RequestIdentity(iss + "/" + sub, iss, sub, aud, azp, claims);
    }

    /** A JSON value as the JWT parser gives it: String, Long, Double, Boolean, List, Map. */
    private static Object java(JsonNode n) {
        if (n.isString()) {
            return n.stringValue();
        }
        if (n.isIntegralNumber()) {
            return n.longValue();
        }
        if (n.isNumber()) {
            return n.numberValue().doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.values().forEach(v -> l.add(java(v)));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        n.properties().forEach(e -> m.put(e.getKey(), java(e.getValue())));
        return m;
    }
}

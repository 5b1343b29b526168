package io.inmesh.cli.internal;

import io.inmesh.config.Diagnostic;
import io.inmesh.config.ValidationReport;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The {@code --json} form of a validation report: one object, {@code valid} and every diagnostic. */
final class JsonReport {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonReport() {
    }

    /** The report as one line of JSON. Unknown strings are null; unknown line and column are 0. */
    static String toJson(ValidationReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("valid", report.valid());
        ArrayNode list = root.putArray("diagnostics");
        for (Diagnostic d : report.diagnostics()) {
            ObjectNode o = list.addObject();
            o.put("severity", d.severity().label());
            o.put("file", d.file());
            o.put("line", d.line());
            o.put("column", d.column());
            o.put("kind", d.kind());
            o.put("namespace", d.namespace());
            o.put("name", d.name());
            o.put("field", d.field());
            o.put("message", d.message());
        }
        return MAPPER.writeValueAsString(root);
    }
}

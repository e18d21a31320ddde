package io.appsigning.cluster.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON kept in the database's text columns: app records (the fields and names of the single
 * node's record file, so that one reader understands both), node problems and audit lines.
 */
final class Json {

    private final ObjectMapper mapper = new ObjectMapper();

    String record(AppRecord record) {
        ObjectNode node = mapper.createObjectNode();
        node.put("key", record.key());
        node.put("version", record.version());
        node.put("status", record.status().name());
        node.put("flow", record.flow() == null ? null : record.flow().name());
        if (record.signer() != null) {
            node.putObject("signer").put("subject", record.signer().subject()).put("sha256", record.signer().sha256());
        }
        node.put("reason", record.reason() == null ? null : record.reason().name());
        node.put("appSha256", record.appSha256());
        node.put("recordedAt", record.recordedAt().toString());
        node.put("installedBy", record.installedBy());
        if (!record.dependencies().isEmpty()) {
            ArrayNode dependencies = node.putArray("dependencies");
            record.dependencies().forEach(dependencies::add);
        }
        return write(node);
    }

    AppRecord record(String text) throws JsonProcessingException {
        JsonNode node = mapper.readTree(text);
        JsonNode signer = node.get("signer");
        List<String> dependencies = new ArrayList<>();
        JsonNode array = node.get("dependencies");
        if (array != null && array.isArray()) {
            array.forEach(location -> dependencies.add(location.asText()));
        }
        String flow = text(node, "flow");
        String reason = text(node, "reason");
        return new AppRecord(required(node, "key"), required(node, "version"),
                SignatureStatus.valueOf(required(node, "status")), flow == null ? null : Flow.valueOf(flow),
                signer == null || signer.isNull() ? null : new Signer(signer.get("subject").asText(), signer.get("sha256").asText()),
                reason == null ? null : ReasonCode.valueOf(reason), text(node, "appSha256"),
                Instant.parse(required(node, "recordedAt")), text(node, "installedBy"), dependencies);
    }

    String problems(List<NodeStatus.Problem> problems) {
        ArrayNode array = mapper.createArrayNode();
        for (NodeStatus.Problem problem : problems) {
            array.addObject().put("key", problem.key()).put("version", problem.version())
                    .put("reason", problem.reason()).put("message", problem.message());
        }
        return write(array);
    }

    List<NodeStatus.Problem> problems(String text) throws JsonProcessingException {
        List<NodeStatus.Problem> problems = new ArrayList<>();
        for (JsonNode node : mapper.readTree(text)) {
            problems.add(new NodeStatus.Problem(text(node, "key"), text(node, "version"), text(node, "reason"),
                    text(node, "message")));
        }
        return problems;
    }

    /**
     * An audit line exactly as the single node's log writes it: the fields in the order given, then
     * the node, then {@code prev}; the chain's hash is taken over these bytes.
     */
    String auditLine(Map<String, ?> fields, String node, String prev) {
        if (fields.containsKey("node") || fields.containsKey("prev")) {
            throw new IllegalArgumentException("An audit line may not set \"node\" or \"prev\": the ledger adds them");
        }
        ObjectNode line = mapper.createObjectNode();
        fields.forEach((name, value) -> line.set(name, mapper.valueToTree(value)));
        line.put("node", node);
        line.put("prev", prev);
        return write(line);
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // A tree of plain values always serialises; this is a bug, not an input problem.
            throw new IllegalStateException("Cannot write JSON: " + e.getMessage(), e);
        }
    }

    private static String required(JsonNode node, String field) throws JsonProcessingException {
        String value = text(node, field);
        if (value == null) {
            throw new JsonProcessingException("the stored record has no \"" + field + "\"") {
                private static final long serialVersionUID = 1L;
            };
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

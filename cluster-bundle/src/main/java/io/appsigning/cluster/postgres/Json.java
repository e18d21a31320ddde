package io.appsigning.cluster.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.cluster.NodeStatus;
import io.appsigning.gate.AppRecord;
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
        return write(mapper.valueToTree(record.fields()));
    }

    @SuppressWarnings("unchecked")
    AppRecord record(String text) throws JsonProcessingException {
        try {
            return AppRecord.fromFields(mapper.readValue(text, Map.class));
        } catch (IllegalArgumentException e) {
            throw new JsonProcessingException("the stored record is not an app record: " + e.getMessage()) {
                private static final long serialVersionUID = 1L;
            };
        }
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

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

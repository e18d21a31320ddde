package io.appsigning.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code GET /api/health} and {@code appsign health --json}: one shape, one writer.
 * Jackson stays inside: this exported class hands out only a {@code String}, so no importer is
 * tied to the Jackson version this bundle was built with.
 */
public final class HealthJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthJson() {}

    private static ObjectNode toTree(HealthReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", report.status().name());
        ArrayNode checks = root.putArray("checks");
        for (CheckResult check : report.checks()) {
            ObjectNode node = checks.addObject();
            node.put("name", check.name());
            node.put("status", check.status().name());
            ArrayNode messages = node.putArray("messages");
            check.messages().forEach(messages::add);
        }
        return root;
    }

    public static String toJson(HealthReport report) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toTree(report));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
        }
    }
}

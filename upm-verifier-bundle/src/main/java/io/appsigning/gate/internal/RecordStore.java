package io.appsigning.gate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.gate.AppRecord;
import io.appsigning.gate.SignatureStatus;
import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The per-app records, kept in one JSON file that is replaced atomically on every change. */
final class RecordStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<String, AppRecord> records = new TreeMap<>();

    RecordStore(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            for (JsonNode node : JSON.readTree(file.toFile())) {
                AppRecord record = fromJson(node);
                records.put(record.key(), record);
            }
        }
    }

    boolean existed() {
        return Files.exists(file);
    }

    synchronized List<AppRecord> all() {
        return List.copyOf(records.values());
    }

    synchronized Optional<AppRecord> find(String key) {
        return Optional.ofNullable(records.get(key));
    }

    synchronized void put(AppRecord record) throws IOException {
        AppRecord previous = records.put(record.key(), record);
        try {
            save();
        } catch (IOException e) {
            if (previous == null) {
                records.remove(record.key());
            } else {
                records.put(record.key(), previous);
            }
            throw e;
        }
    }

    /** Puts back what a key held before a change that had to be undone (null: no record). */
    synchronized void restore(String key, AppRecord previous) throws IOException {
        if (previous == null) {
            remove(key);
        } else {
            put(previous);
        }
    }

    synchronized void remove(String key) throws IOException {
        if (records.remove(key) != null) {
            save();
        }
    }

    synchronized void retain(java.util.Set<String> keys) throws IOException {
        if (records.keySet().retainAll(keys)) {
            save();
        }
    }

    synchronized void saveIfMissing() throws IOException {
        if (!Files.exists(file)) {
            save();
        }
    }

    private void save() throws IOException {
        ArrayNode array = JSON.createArrayNode();
        records.values().forEach(record -> array.add(toJson(record)));
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(array));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ObjectNode toJson(AppRecord record) {
        ObjectNode node = JSON.createObjectNode();
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
        return node;
    }

    private static AppRecord fromJson(JsonNode node) {
        JsonNode signer = node.get("signer");
        return new AppRecord(node.get("key").asText(), node.get("version").asText(),
                SignatureStatus.valueOf(node.get("status").asText()),
                text(node, "flow") == null ? null : Flow.valueOf(text(node, "flow")),
                signer == null || signer.isNull() ? null : new Signer(signer.get("subject").asText(), signer.get("sha256").asText()),
                text(node, "reason") == null ? null : ReasonCode.valueOf(text(node, "reason")),
                text(node, "appSha256"), Instant.parse(node.get("recordedAt").asText()), text(node, "installedBy"),
                dependencies(node));
    }

    private static List<String> dependencies(JsonNode node) {
        List<String> locations = new java.util.ArrayList<>();
        JsonNode array = node.get("dependencies");
        if (array != null && array.isArray()) {
            array.forEach(location -> locations.add(location.asText()));
        }
        return locations;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

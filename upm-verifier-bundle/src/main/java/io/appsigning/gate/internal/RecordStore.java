package io.appsigning.gate.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.appsigning.gate.AppRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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

    private static JsonNode toJson(AppRecord record) {
        return JSON.valueToTree(record.fields());
    }

    @SuppressWarnings("unchecked")
    private static AppRecord fromJson(JsonNode node) {
        return AppRecord.fromFields(JSON.convertValue(node, Map.class));
    }

}

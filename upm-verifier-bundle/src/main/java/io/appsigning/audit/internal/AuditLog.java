package io.appsigning.audit.internal;

import io.appsigning.audit.AuditChain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Appends decisions to a hash-chained log. One writer per file; appends are serialised and forced
 * to disk, so a crash can cut off at most the line being written, which {@link AuditChain} names.
 */
public final class AuditLog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private String lastHash;
    private long lines;

    private AuditLog(Path file, String lastHash, long lines) {
        this.file = file;
        this.lastHash = lastHash;
        this.lines = lines;
    }

    /** Opens a log, creating it and its folder as needed; continues the chain of what is there. */
    public static AuditLog open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            // Created private: the log names who installed what, and only the product reads it.
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        }
        String last = AuditChain.GENESIS;
        long count = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int end = bytes.length;
            if (end > 0 && bytes[end - 1] != '\n') {
                // A line cut off by a crash: end it, so that the next line starts cleanly and the cut stays visible.
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.APPEND)) {
                    channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
                    channel.force(true);
                }
                bytes = Files.readAllBytes(file);
                end = bytes.length;
            }
            if (end > 0) {
                int start = end - 1;
                while (start > 0 && bytes[start - 1] != '\n') {
                    start--;
                }
                last = AuditChain.hash(java.util.Arrays.copyOfRange(bytes, start, end - 1));
            }
            for (byte b : bytes) {
                count += b == '\n' ? 1 : 0;
            }
        }
        return new AuditLog(file, last, count);
    }

    /** Appends one decision; the fields are written in the order given, then {@code prev}. */
    public synchronized void append(Map<String, ?> fields) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        fields.forEach((name, value) -> node.set(name, JSON.valueToTree(value)));
        node.put("prev", lastHash);
        byte[] line = JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        lastHash = AuditChain.hash(line);
        lines++;
        try {
            writeHead();
        } catch (IOException e) {
            // The line itself is written and chained: the decision is on record. A stale head only
            // makes audit-verify report the head as out of date, which an operator then looks into.
            System.getLogger(AuditLog.class.getName()).log(System.Logger.Level.ERROR,
                    "Could not update the audit log's head " + AuditChain.headOf(file) + ": " + e.getMessage());
        }
    }

    /**
     * The chain's head beside the log: without it, the last line could be edited, or the last lines
     * removed, with nothing after them to notice. Replaced atomically after each line.
     */
    private void writeHead() throws IOException {
        Path head = AuditChain.headOf(file);
        Path temp = head.resolveSibling(head.getFileName() + ".tmp");
        Files.writeString(temp, lines + " " + lastHash + "\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.move(temp, head, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public Path file() {
        return file;
    }

    /** The chain's head: the hash that the next line will carry as {@code prev}. */
    public synchronized String head() {
        return lastHash;
    }

    /** How many lines the log holds. */
    public synchronized long lines() {
        return lines;
    }
}

package io.appsigning.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Checks the hash chain of an audit log. */
public final class AuditChain {

    /** The {@code prev} of the first line. */
    public static final String GENESIS = "0".repeat(64);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param intact       whether every line holds the hash of the line before and the log ends cleanly
     * @param lines        how many complete lines were read
     * @param firstBadLine the 1-based number of the first bad line, or 0 when intact
     * @param message      what was found, for a person
     */
    public record Result(boolean intact, long lines, long firstBadLine, String message) {}

    private AuditChain() {}

    /** The hash that the next line's {@code prev} must hold: SHA-256 of the line's bytes, without its newline. */
    public static String hash(byte[] line) {
        return io.appsigning.truststore.TrustedCertificate.sha256Hex(line);
    }

    /** Where the log's head (line count and last hash) is kept. */
    public static Path headOf(Path log) {
        return log.resolveSibling(log.getFileName() + ".head");
    }

    public static Result verify(Path log) throws IOException {
        Result chain = verifyChain(log);
        Path headFile = headOf(log);
        if (!chain.intact() || !Files.exists(headFile)) {
            return chain;
        }
        String[] head = Files.readString(headFile, StandardCharsets.US_ASCII).trim().split(" ");
        long headLines;
        try {
            headLines = Long.parseLong(head[0]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return new Result(false, chain.lines(), chain.lines(), "the head file " + headFile + " is damaged.");
        }
        String headHash = head.length > 1 ? head[1] : "";
        if (headLines == chain.lines() && headHash.equals(lastHash(log))) {
            return chain;
        }
        if (headLines == chain.lines() - 1 && headHash.equals(hashOfLine(log, chain.lines() - 1))) {
            // The last line was written but the head not yet: a crash between the two, not an edit.
            return new Result(true, chain.lines(), 0, chain.lines() + " lines, chain intact (the head lagged one line"
                    + " behind, as after a crash between writing a line and its head).");
        }
        if (headLines > chain.lines()) {
            return new Result(false, chain.lines(), chain.lines() + 1, "the log ends at line " + chain.lines()
                    + " but " + headLines + " lines were written: line " + (chain.lines() + 1) + " onwards was removed.");
        }
        return new Result(false, chain.lines(), Math.max(1, Math.min(headLines, chain.lines())), "line "
                + Math.max(1, Math.min(headLines, chain.lines())) + " does not match the hash recorded in "
                + headFile + ": it was edited, or lines were added after it by hand.");
    }

    private static String lastHash(Path log) throws IOException {
        List<byte[]> lines = lines(log);
        return lines.isEmpty() ? GENESIS : hash(lines.get(lines.size() - 1));
    }

    private static String hashOfLine(Path log, long number) throws IOException {
        List<byte[]> lines = lines(log);
        return number == 0 ? GENESIS : hash(lines.get((int) number - 1));
    }

    private static List<byte[]> lines(Path log) throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(java.util.Arrays.copyOfRange(bytes, start, i));
                start = i + 1;
            }
        }
        return lines;
    }

    private static Result verifyChain(Path log) throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        String expected = GENESIS;
        long number = 0;
        int start = 0;
        while (start < bytes.length) {
            int end = indexOf(bytes, (byte) '\n', start);
            number++;
            if (end < 0) {
                return new Result(false, number - 1, number, "line " + number
                        + " is incomplete (no newline at the end): the log was cut off, probably by a crash while"
                        + " it was written. Lines 1 to " + (number - 1) + " are intact.");
            }
            byte[] line = java.util.Arrays.copyOfRange(bytes, start, end);
            String prev;
            try {
                JsonNode node = JSON.readTree(line);
                prev = node != null && node.hasNonNull("prev") ? node.get("prev").asText() : null;
            } catch (IOException e) {
                return new Result(false, number - 1, number, "line " + number + " is not a JSON object: it was edited or damaged.");
            }
            if (prev == null) {
                return new Result(false, number - 1, number, "line " + number + " has no \"prev\" hash: it was edited.");
            }
            if (!prev.equals(expected)) {
                return new Result(false, number - 1, number, "line " + number + " does not follow line " + (number - 1)
                        + ": its \"prev\" hash does not match, so line " + (number == 1 ? "1" : (number - 1) + " or " + number)
                        + " was edited, or lines were removed or reordered here.");
            }
            expected = hash(line);
            start = end + 1;
        }
        return new Result(true, number, 0, number + " lines, chain intact.");
    }

    private static int indexOf(byte[] bytes, byte value, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}

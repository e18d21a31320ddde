package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads multipart/form-data as a stream, part by part, so that an uploaded app flows straight into
 * the install gate (which spools and verifies it in one pass) instead of being buffered here.
 * Header lines, header counts and the preamble are bounded: nothing an upload says sizes a buffer.
 */
final class MultipartReader {

    private static final int MAX_HEADER_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 20;
    private static final int BUFFER = 64 * 1024;

    /** One part: its form name, file name (may be null) and a body that ends at the next boundary. */
    record Part(String name, String fileName, InputStream body) {}

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buffer;
    private int start;
    private int end;
    private boolean eof;
    private boolean finished;
    private PartBody current;

    MultipartReader(InputStream in, String contentType) throws IOException {
        String boundary = boundary(contentType);
        if (boundary == null) {
            throw new IOException("the request is not multipart/form-data with a boundary");
        }
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buffer = new byte[BUFFER + delimiter.length];
        // The first boundary has no CRLF before it: pretend it had, so that every boundary looks alike.
        buffer[0] = '\r';
        buffer[1] = '\n';
        end = 2;
    }

    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        String value = parameter(contentType, "boundary");
        return value == null || value.isEmpty() || value.length() > 70 ? null : value;
    }

    /** The next part, or null after the last. The previous part's body is skipped if unread. */
    Part next() throws IOException {
        if (finished) {
            return null;
        }
        (current != null ? current : new PartBody()).skipRest();
        ensure(2);
        if (available() >= 2 && buffer[start] == '-' && buffer[start + 1] == '-') {
            finished = true;
            return null;
        }
        if (available() < 2 || buffer[start] != '\r' || buffer[start + 1] != '\n') {
            throw new IOException("malformed multipart body (no CRLF after a boundary)");
        }
        start += 2;
        Map<String, String> headers = new HashMap<>();
        for (int count = 0; ; count++) {
            String line = readLine();
            if (line.isEmpty()) {
                break;
            }
            if (count >= MAX_HEADERS) {
                throw new IOException("too many part headers");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        String disposition = headers.getOrDefault("content-disposition", "");
        current = new PartBody();
        return new Part(parameter(disposition, "name"), parameter(disposition, "filename"), current);
    }

    private int available() {
        return end - start;
    }

    /** Tries to have at least {@code count} unread bytes in the buffer; fewer only at the end of input. */
    private void ensure(int count) throws IOException {
        if (available() >= count || eof) {
            return;
        }
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, available());
            end -= start;
            start = 0;
        }
        while (end < count && !eof) {
            int n = in.read(buffer, end, buffer.length - end);
            if (n == -1) {
                eof = true;
            } else {
                end += n;
            }
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            ensure(2);
            if (available() < 2) {
                throw new IOException("the multipart body ended inside a part's headers");
            }
            if (buffer[start] == '\r' && buffer[start + 1] == '\n') {
                start += 2;
                return line.toString();
            }
            if (line.length() >= MAX_HEADER_LINE) {
                throw new IOException("a part header line is too long");
            }
            line.append((char) (buffer[start++] & 0xFF));
        }
    }

    static String parameter(String header, String name) {
        for (String piece : header.split(";")) {
            String trimmed = piece.trim();
            int equals = trimmed.indexOf('=');
            if (equals > 0 && trimmed.substring(0, equals).trim().equalsIgnoreCase(name)) {
                String value = trimmed.substring(equals + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
        }
        return null;
    }

    /** A part's bytes, up to and not including the next delimiter, which it consumes. */
    private final class PartBody extends InputStream {
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n == -1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (ended) {
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            ensure(delimiter.length);
            int found = indexOfDelimiter();
            if (found == start) {
                start += delimiter.length;
                ended = true;
                return -1;
            }
            // Bytes before a delimiter, or before where a delimiter could still begin, are body bytes.
            int safe = found >= 0 ? found : eof ? end : Math.max(start, end - delimiter.length + 1);
            if (safe == start) {
                if (eof) {
                    throw new IOException("the multipart body ended before its closing boundary");
                }
                ensure(available() + 1);
                return read(target, offset, length);
            }
            int n = Math.min(length, safe - start);
            System.arraycopy(buffer, start, target, offset, n);
            start += n;
            return n;
        }

        private int indexOfDelimiter() {
            outer:
            for (int i = start; i <= end - delimiter.length; i++) {
                for (int j = 0; j < delimiter.length; j++) {
                    if (buffer[i + j] != delimiter[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        void skipRest() throws IOException {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) != -1) {
                // discard
            }
        }
    }
}

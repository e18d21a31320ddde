package io.appsigning.cli;

import io.appsigning.audit.AuditChain;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code audit-verify}: checks the hash chain of the product's audit log, and optionally where it ends. */
final class AuditVerifyCommand implements Command {

    @Override
    public String name() {
        return "audit-verify";
    }

    @Override
    public String help() {
        return """
                audit-verify --log FILE [--head SHA256]   check that no line of the audit log was edited, removed or cut off
                audit-verify --db JDBC_URL [--head SHA256]
                                 the same for a Data Center cluster's chain in PostgreSQL (jdbc:postgresql://HOST:PORT/DB;
                                 user and password from APPSIGN_DB_USER and APPSIGN_DB_PASSWORD)
                  --head SHA256  also check that the log still ends at this head (the hash of its last line, which
                                 the product prints at start-up and on the Health page), so that lines cut off the
                                 end together with the .head file are found
                  Exit 0 intact, 1 broken (naming the first bad line, or the head it no longer ends at), 2 unreadable.""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Args parsed = Args.parse(args, Set.of("--log", "--db", "--head"), Set.of());
        String head = parsed.optional("--head") == null ? null : normaliseSha256("--head", parsed.optional("--head"));
        String database = parsed.optional("--db");
        if (database != null) {
            if (parsed.optional("--log") != null) {
                throw new UsageException("give either --log or --db, not both");
            }
            // The cluster's lines, exactly as hashed, into a private file that is checked as a log file is.
            Path exported = ClusterAuditExport.export(database, System.getenv("APPSIGN_DB_USER"),
                    System.getenv("APPSIGN_DB_PASSWORD"));
            try {
                return check(exported, head, "the cluster's audit chain in " + ClusterAuditExport.withoutParameters(database),
                        out, err);
            } finally {
                Files.deleteIfExists(exported);
            }
        }
        Path log = Path.of(parsed.required("--log"));
        Inputs.readableFile("the audit log", log);
        return check(log, head, log.toString(), out, err);
    }

    private static int check(Path log, String head, String name, PrintStream out, PrintStream err) throws UsageException, IOException {
        AuditChain.Result result;
        try {
            result = AuditChain.verify(log);
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the audit log", log, e));
        }
        if (!result.intact()) {
            err.println("BROKEN: " + name + ": " + result.message());
            return 1;
        }
        if (head != null) {
            String actual = lastLineHash(log);
            if (!actual.equals(head)) {
                long lineWithHead = lineWithHash(log, head);
                err.println("BROKEN: " + name + ": the log no longer ends at the head " + head + "; it ends at " + actual
                        + " after " + result.lines() + " lines. " + (lineWithHead > 0
                        ? "That head is line " + lineWithHead + ": lines " + (lineWithHead + 1) + " to " + result.lines()
                                + " were written after it. If they are the product's own, check again with the current head."
                        : "No line of the log has that hash: lines were cut off the end (and the .head file rewritten),"
                                + " or the head was copied wrongly."));
                return 1;
            }
        }
        out.println("INTACT: " + name + ": " + result.message() + (head != null ? " It ends at the head " + head + "." : ""));
        return 0;
    }

    static String normaliseSha256(String option, String value) throws UsageException {
        String hex = value.replace(":", "").strip().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new UsageException(option + " is not a SHA-256 (64 hex digits, colons allowed): " + value);
        }
        return hex;
    }

    /** The hash the next line would carry as its predecessor: of the last line, or the genesis value. */
    static String lastLineHash(Path log) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long end = file.length() - 1; // the chain is intact, so the log is empty or ends with a newline
            if (end < 0) {
                return AuditChain.GENESIS;
            }
            long start = end;
            byte[] one = new byte[1];
            while (start > 0) {
                file.seek(start - 1);
                file.readFully(one);
                if (one[0] == '\n') {
                    break;
                }
                start--;
            }
            byte[] line = new byte[Math.toIntExact(end - start)];
            file.seek(start);
            file.readFully(line);
            return AuditChain.hash(line);
        }
    }

    /** The 1-based number of the line whose hash is {@code sha256}, or 0; reads the log line by line. */
    private static long lineWithHash(Path log, String sha256) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(log))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long number = 0;
            for (int b; (b = in.read()) != -1; ) {
                if (b == '\n') {
                    number++;
                    if (AuditChain.hash(line.toByteArray()).equals(sha256)) {
                        return number;
                    }
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }
        return 0;
    }
}

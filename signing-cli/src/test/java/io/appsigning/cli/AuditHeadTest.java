package io.appsigning.cli;

import static io.appsigning.cli.CliTest.appsign;
import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.audit.AuditChain;
import io.appsigning.audit.internal.AuditLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** audit-verify --head: lines cut off the end together with the .head file are found. */
class AuditHeadTest {

    @TempDir
    Path dir;

    @Test
    void aLogCutTogetherWithItsHeadFileFailsAgainstTheOldHead() throws Exception {
        Path log = dir.resolve("audit.log");
        AuditLog audit = AuditLog.open(log);
        for (String decision : List.of("INSTALLED", "REJECTED", "INSTALLED")) {
            audit.append(Map.of("decision", decision));
        }
        String head = Files.readString(AuditChain.headOf(log), StandardCharsets.US_ASCII).trim().split(" ")[1];
        List<String> lines = Files.readAllLines(log);
        assertThat(head).isEqualTo(AuditChain.hash(lines.get(2).getBytes(StandardCharsets.UTF_8)));

        CliTest.Run ok = appsign("audit-verify", "--log", log.toString(), "--head", head);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("INTACT").contains(head);
        assertThat(appsign("audit-verify", "--log=" + log, "--head=" + TrustCommandTest.colons(head.toUpperCase())).code()).isZero();

        // The attacker removes the last line and rewrites the .head file to match: the chain alone looks intact.
        Files.writeString(log, lines.get(0) + "\n" + lines.get(1) + "\n");
        Files.writeString(AuditChain.headOf(log), "2 " + AuditChain.hash(lines.get(1).getBytes(StandardCharsets.UTF_8)) + "\n");
        assertThat(appsign("audit-verify", "--log", log.toString()).code()).isZero();
        CliTest.Run cut = appsign("audit-verify", "--log", log.toString(), "--head", head);
        assertThat(cut.code()).isEqualTo(1);
        assertThat(cut.err()).contains("no longer ends at the head " + head).contains("No line of the log has that hash")
                .contains("after 2 lines");
    }

    @Test
    void linesWrittenAfterTheHeadAreNamedAndAnEmptyLogEndsAtGenesis() throws Exception {
        Path log = dir.resolve("audit.log");
        AuditLog audit = AuditLog.open(log);
        audit.append(Map.of("decision", "INSTALLED"));
        String head = AuditChain.hash(Files.readAllLines(log).get(0).getBytes(StandardCharsets.UTF_8));
        audit.append(Map.of("decision", "REJECTED"));
        CliTest.Run later = appsign("audit-verify", "--log", log.toString(), "--head", head);
        assertThat(later.code()).isEqualTo(1);
        assertThat(later.err()).contains("That head is line 1: lines 2 to 2 were written after it");

        Path empty = Files.createFile(dir.resolve("empty.log"));
        assertThat(appsign("audit-verify", "--log", empty.toString(), "--head", AuditChain.GENESIS).code()).isZero();
        assertThat(appsign("audit-verify", "--log", empty.toString(), "--head", head).code()).isEqualTo(1);
        CliTest.Run bad = appsign("audit-verify", "--log", log.toString(), "--head", "abc");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--head is not a SHA-256");
        assertThat(appsign("audit-verify", "--log", dir.toString()).err()).contains("is a folder");
        assertThat(Arrays.asList(appsign("audit-verify", "--log", dir.resolve("absent").toString()).code())).containsExactly(2);
    }

    @Test
    void aClustersChainIsReadOnlyFromAPostgreSqlUrlAndNeverTogetherWithAFile() throws Exception {
        CliTest.Run mysql = appsign("audit-verify", "--db", "jdbc:mysql://db/appsign");
        assertThat(mysql.code()).isEqualTo(2);
        assertThat(mysql.err()).contains("PostgreSQL JDBC URL").doesNotContain("Exception");
        CliTest.Run both = appsign("audit-verify", "--db", "jdbc:postgresql://127.0.0.1:1/appsign", "--log", "audit.log");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("either --log or --db");
    }
}

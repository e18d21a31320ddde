package io.appsigning.audit;

import io.appsigning.audit.internal.AuditLog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTest {

    @TempDir
    Path home;
    Path log;

    @BeforeEach
    void fiveDecisions() throws Exception {
        log = home.resolve("audit/audit.log");
        AuditLog audit = AuditLog.open(log);
        for (int i = 1; i <= 5; i++) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("app", "com.acme.app" + i);
            fields.put("decision", i % 2 == 0 ? "REJECTED" : "INSTALLED");
            audit.append(fields);
        }
    }

    private List<String> lines() throws Exception {
        return new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
    }

    private void write(List<String> lines) throws Exception {
        Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    @Test
    void anUntouchedLogIsIntact() throws Exception {
        AuditChain.Result result = AuditChain.verify(log);
        assertThat(result.intact()).isTrue();
        assertThat(result.lines()).isEqualTo(5);
        assertThat(result.firstBadLine()).isZero();
    }

    @Test
    void anEditedLineIsFound() throws Exception {
        List<String> lines = lines();
        lines.set(2, lines.get(2).replace("INSTALLED", "REJECTED"));
        write(lines);
        AuditChain.Result result = AuditChain.verify(log);
        assertThat(result.intact()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(4);
    }

    @Test
    void aDeletedOrReorderedLineIsFound() throws Exception {
        List<String> lines = lines();
        lines.remove(1);
        write(lines);
        assertThat(AuditChain.verify(log).firstBadLine()).isEqualTo(2);
        List<String> swapped = lines();
        java.util.Collections.swap(swapped, 0, 1);
        write(swapped);
        assertThat(AuditChain.verify(log).firstBadLine()).isEqualTo(1);
    }

    @Test
    void aLastLineCutOffByACrashIsNamedPrecisely() throws Exception {
        byte[] bytes = Files.readAllBytes(log);
        Files.write(log, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        AuditChain.Result result = AuditChain.verify(log);
        assertThat(result.intact()).isFalse();
        assertThat(result.firstBadLine()).isEqualTo(5);
        assertThat(result.lines()).isEqualTo(4);
        assertThat(result.message()).contains("line 5 is incomplete").contains("cut off");
    }

    @Test
    void anEditedLastLineOrRemovedLastLinesAreFoundThroughTheHead() throws Exception {
        List<String> lines = lines();
        lines.set(4, lines.get(4).replace("INSTALLED", "REJECTED"));
        write(lines);
        AuditChain.Result edited = AuditChain.verify(log);
        assertThat(edited.intact()).isFalse();
        assertThat(edited.firstBadLine()).isEqualTo(5);
        write(lines().subList(0, 3));
        AuditChain.Result cut = AuditChain.verify(log);
        assertThat(cut.intact()).isFalse();
        assertThat(cut.firstBadLine()).isEqualTo(4);
        assertThat(cut.message()).contains("line 4 onwards was removed");
    }

    @Test
    void aHeadOneLineBehindIsACrashNotAnEdit() throws Exception {
        Path head = AuditChain.headOf(log);
        String before = Files.readString(head);
        AuditLog.open(log).append(Map.of("app", "sixth"));
        Files.writeString(head, before);
        assertThat(AuditChain.verify(log).intact()).isTrue();
    }

    @Test
    void reopeningContinuesTheChain() throws Exception {
        AuditLog.open(log).append(Map.of("app", "later"));
        assertThat(AuditChain.verify(log).intact()).isTrue();
        assertThat(AuditChain.verify(log).lines()).isEqualTo(6);
    }
}

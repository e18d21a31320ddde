package io.appsigning.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.health.CheckResult;
import io.appsigning.health.Status;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.junit.jupiter.api.Test;

/** Our results as Felix Health Check results, which the HC executor and the Web Console show. */
class ResultsTest {

    private static List<String> entries(Result result) {
        List<String> entries = new ArrayList<>();
        for (ResultLog.Entry entry : result) {
            entries.add(entry.getStatus() + " " + entry.getMessage());
        }
        return entries;
    }

    @Test
    void eachStatusMapsToFelixsOwnAndEveryMessageIsOneEntryAtThatStatus() {
        Result ok = Results.toFelix(new CheckResult("certificate-expiry", Status.OK, List.of("3 trusted certificates")));
        assertThat(ok.getStatus()).isEqualTo(Result.Status.OK);
        assertThat(ok.isOk()).isTrue();
        assertThat(entries(ok)).containsExactly("OK 3 trusted certificates");

        Result warn = Results.toFelix(new CheckResult("signing-status", Status.WARN, List.of("Mode: WARN", "com.acme.a is unsigned")));
        assertThat(warn.getStatus()).isEqualTo(Result.Status.WARN);
        assertThat(warn.isOk()).isFalse();
        assertThat(entries(warn)).containsExactly("WARN Mode: WARN", "WARN com.acme.a is unsigned");

        Result critical = Results.toFelix(new CheckResult("trust-store-permissions", Status.CRITICAL,
                List.of("/t: writable by every user (mode 0777). Fix: chmod o-w /t")));
        assertThat(critical.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(entries(critical)).containsExactly("CRITICAL /t: writable by every user (mode 0777). Fix: chmod o-w /t");
    }

    @Test
    void aResultWithoutMessagesStillSaysWhichCheckAndWhatStatus() {
        // Felix would otherwise show an empty, OK-looking log for a CRITICAL check.
        Result result = Results.toFelix(new CheckResult("trust-store-permissions", Status.CRITICAL, List.of()));
        assertThat(result.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(entries(result)).containsExactly("CRITICAL trust-store-permissions: CRITICAL");
    }
}

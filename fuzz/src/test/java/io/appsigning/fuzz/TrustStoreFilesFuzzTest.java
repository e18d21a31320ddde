package io.appsigning.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.appsigning.truststore.internal.CertificateFiles;
import io.appsigning.truststore.DenyList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Trust store and deny list files with any content: skipped and reported, never an exception. */
class TrustStoreFilesFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void certificateAndDenyListFiles(FuzzedDataProvider data) throws Exception {
        Path folder = Files.createTempDirectory("fuzz-truststore");
        try {
            String name = data.pickValue(new String[] {"a.pem", "a.crt", "a.cer", "a.der"});
            Files.write(folder.resolve(name), data.consumeBytes(data.consumeInt(0, 8192)));
            Path deny = Files.write(folder.resolve("denylist"), data.consumeRemainingAsBytes());
            CertificateFiles.Contents contents = CertificateFiles.read(folder);
            assertThat(contents.certificates().isEmpty()).isNotEqualTo(contents.problems().isEmpty());
            contents.certificates().forEach(c -> assertThat(c.sha256()).hasSize(64));
            contents.problems().forEach(p -> assertThat(p.message()).contains(name));
            try {
                DenyList.load(deny).sha256().forEach(d -> assertThat(d).matches("[0-9a-f]{64}"));
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).contains("line");
            }
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load on the running product: 200 uploads from 20 concurrent clients, half of them invalid, with
 * the host held to a 128 MiB heap. Every decision must be right and no temporary file may remain;
 * p50 and p99 latency go to target/load-report.txt (and RELIABILITY.md).
 */
class LoadIT {

    private static final int UPLOADS = Integer.getInteger("load.uploads", 200);
    private static final int CLIENTS = Integer.getInteger("load.clients", 20);

    @TempDir
    Path home;

    @Test
    void twoHundredUploadsFromTwentyClientsHalfInvalid() throws Exception {
        try (HostProcess host = HostProcess.start(home, "-Xmx128m")) {
            TestApps vendor = new TestApps("CN=Acme Vendor");
            Files.writeString(home.resolve("upmconfig/truststore/vendor.crt"), vendor.certificatePem());
            Http http = new Http(host);
            http.put("/api/settings", "{\"mode\": \"ENFORCE\"}");
            for (int i = 0; i < 100 && !http.get("/api/health").text().contains("1 trusted certificates"); i++) {
                Thread.sleep(100);
            }
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<long[]>> results = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                int n = i;
                results.add(clients.submit(() -> {
                    byte[] app = TestApps.bundle("com.acme.load" + n, "1.0." + n, 50_000 + n);
                    boolean valid = n % 2 == 0;
                    byte[] signature = vendor.signatureFile(valid ? app : TestApps.tampered(app));
                    long start = System.nanoTime();
                    Http.Response response = new Http(host).upload(app, signature);
                    long micros = (System.nanoTime() - start) / 1000;
                    int expected = valid ? 201 : 422;
                    return new long[] {n, response.status() == expected ? 1 : 0, micros, response.status()};
                }));
            }
            List<Long> latencies = new ArrayList<>();
            int wrong = 0;
            for (Future<long[]> result : results) {
                long[] r = result.get();
                latencies.add(r[2]);
                if (r[1] != 1) {
                    wrong++;
                    System.err.println("upload " + r[0] + " answered " + r[3]);
                }
            }
            clients.shutdown();
            assertThat(wrong).as("wrong decisions").isZero();
            assertThat(http.get("/api/apps").json().get("apps")).hasSize(UPLOADS / 2);
            try (Stream<Path> spool = Files.walk(home.resolve("data/spool"));
                 Stream<Path> scratch = Files.walk(home.resolve("data/upload-scratch"))) {
                assertThat(spool.filter(Files::isRegularFile).count() + scratch.filter(Files::isRegularFile).count())
                        .as("temporary files left").isZero();
            }
            Collections.sort(latencies);
            String report = String.format("%d uploads, %d clients, half invalid, host -Xmx128m: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    UPLOADS, CLIENTS, latencies.get(latencies.size() / 2) / 1000.0,
                    latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1) / 1000.0, latencies.get(latencies.size() - 1) / 1000.0);
            System.out.print(report);
            Files.writeString(Path.of("target/load-report.txt"), report);
        }
    }
}

package io.appsigning.bench;

import io.appsigning.truststore.CertificateFiles;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.ReloadingTrustStore;
import io.appsigning.truststore.TrustStoreLoader;
import io.appsigning.truststore.TrustStoreSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * One cold load of a trust store folder in this fresh JVM, the way the product (ReloadingTrustStore,
 * the default), the CLI (loader) or the parser alone (files) does it; prints the certificates read
 * and the milliseconds the load took inside the JVM (start-up excluded; bench/truststore-load.sh
 * times the whole JVM around it).
 * {@code java -cp bench/target/benchmarks.jar io.appsigning.bench.TrustStoreLoad DIR [product|loader|files]}
 */
public final class TrustStoreLoad {

    private TrustStoreLoad() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        String how = args.length > 1 ? args[1] : "product";
        long start = System.nanoTime();
        int count;
        switch (how) {
            case "files" -> count = CertificateFiles.read(folder).certificates().size();
            case "loader" -> count = TrustStoreLoader.load(folder, null, Identity.current(), Clock.systemUTC()).certificates().size();
            default -> {
                try (ReloadingTrustStore store = new ReloadingTrustStore(folder, null, Identity.current(), Clock.systemUTC(),
                        Duration.ofMinutes(1))) {
                    TrustStoreSnapshot snapshot = store.snapshot();
                    count = snapshot.certificates().size();
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println(how + " " + count + " certificates " + millis + " ms");
    }
}

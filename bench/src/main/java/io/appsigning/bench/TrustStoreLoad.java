package io.appsigning.bench;

import io.appsigning.truststore.internal.CertificateFiles;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.internal.ReloadingTrustStore;
import io.appsigning.truststore.internal.TrustStoreLoader;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.internal.TrustStoreSafety;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.time.Clock;
import java.time.Duration;

/**
 * One cold load of a trust store folder in this fresh JVM, the way the product (ReloadingTrustStore,
 * the default), the CLI (loader) or the parser alone (files) does it; prints the certificates read
 * and the milliseconds the load took inside the JVM (start-up excluded; bench/truststore-load.sh
 * times the whole JVM around it).
 * {@code java -cp bench/target/benchmarks.jar io.appsigning.bench.TrustStoreLoad DIR [product|loader|files|parts]}
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
            case "parts" -> count = parts(folder);
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

    /** The product's load in its parts, each with its wall and this JVM's CPU time (getfacl's own excluded). */
    private static int parts(Path folder) throws Exception {
        Path absolute = folder.toAbsolutePath();
        long[] mark = {System.nanoTime(), cpu()};
        List<Path> files = CertificateFiles.list(absolute);
        report("list", mark);
        int stamped = 0;
        for (Path file : files) {
            stamped += Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino,uid,gid,mode", LinkOption.NOFOLLOW_LINKS).size();
        }
        report("stamp (one stat each)", mark);
        int count = CertificateFiles.readFiles(files, absolute).stream().mapToInt(r -> r.certificates().size()).sum();
        report("read and parse", mark);
        boolean safe = TrustStoreSafety.check(absolute, Identity.current()).safe();
        report("safety check (safe: " + safe + ")", mark);
        return stamped > 0 ? count : -1;
    }

    private static void report(String part, long[] mark) {
        long now = System.nanoTime();
        long cpu = cpu();
        System.out.printf("  %-28s %5d ms wall %5d ms CPU%n", part, (now - mark[0]) / 1_000_000, (cpu - mark[1]) / 1_000_000);
        mark[0] = now;
        mark[1] = cpu;
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}

package io.appsigning.truststore.internal;

import io.appsigning.truststore.TrustedCertificate;

import io.appsigning.truststore.TrustStoreSnapshot;

import io.appsigning.truststore.TrustStore;

import io.appsigning.truststore.SafetyVerdict;

import io.appsigning.truststore.LoadProblem;

import io.appsigning.truststore.Identity;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyFinding;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A trust store that follows its folder: a file watcher wakes it on changes and a poll catches
 * what file systems do not report, so a change is picked up within two poll intervals. Each
 * reload swaps in a new immutable snapshot at once. A file whose stamp (size, times, inode,
 * owner, mode) is unchanged is not parsed again; a file that fails to parse while it is still
 * being written is read again on the next pass rather than taken as final.
 */
public final class ReloadingTrustStore implements TrustStore, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReloadingTrustStore.class.getName());

    /** A parse failure this fresh may be a file still being written. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final Path folder;
    private final Path denyListFile;
    private final Identity identity;
    private final Clock clock;
    private final Duration pollInterval;
    private final AtomicReference<TrustStoreSnapshot> current = new AtomicReference<>();
    private final Map<Path, Cached> cache = new HashMap<>();
    private final LongAdder parses = new LongAdder();
    private List<Object> lastStamps = List.of();
    private Thread thread;
    private volatile boolean running;

    private record Cached(List<Object> stamp, CertificateFiles.FileResult result) {}

    public ReloadingTrustStore(Path folder, Path denyListFile, Identity identity, Clock clock, Duration pollInterval) {
        this.folder = folder.toAbsolutePath().normalize();
        this.denyListFile = denyListFile;
        this.identity = identity;
        this.clock = clock;
        this.pollInterval = pollInterval;
        reload();
    }

    @Override
    public TrustStoreSnapshot snapshot() {
        return current.get();
    }

    /** How many certificate files have been parsed so far (to show that unchanged files are not). */
    public long parses() {
        return parses.sum();
    }

    /** Starts following the folder on a daemon thread. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::follow, "trust-store-reload " + folder);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    private void follow() {
        WatchService watcher = null;
        WatchKey key = null;
        try {
            watcher = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            // No watcher on this file system: polling alone keeps the store current.
        }
        while (running) {
            try {
                if (watcher != null && (key == null || !key.isValid()) && Files.isDirectory(folder)) {
                    key = folder.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
                }
                WatchKey signalled = watcher == null ? null : watcher.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (watcher == null) {
                    Thread.sleep(pollInterval.toMillis());
                }
                if (signalled != null) {
                    signalled.pollEvents();
                    signalled.reset();
                    // Let a burst of events (a copy, an editor's save) settle into one reload.
                    Thread.sleep(100);
                }
                reload();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // The folder vanished or cannot be watched: the snapshot says so; keep polling.
                key = null;
                reload();
                sleepQuietly();
            }
        }
        try {
            if (watcher != null) {
                watcher.close();
            }
        } catch (IOException e) {
            // closing on shutdown: nothing left to do
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Reads what changed and publishes a new snapshot if anything did. */
    public synchronized void reload() {
        List<Path> files;
        try {
            files = Files.isDirectory(folder) ? CertificateFiles.list(folder) : null;
        } catch (IOException e) {
            files = null;
        }
        List<Object> stamps = new ArrayList<>();
        stamps.add(stamp(folder));
        stamps.add(stamp(folder.getParent()));
        // The safety verdict judges every folder above the trust store too (TrustStoreSafety): a chmod
        // or chown of any of them must be judged again, like one of the folder itself.
        for (Path above = CertificateFiles.realPath(folder).getParent(); above != null; above = above.getParent()) {
            stamps.add(stamp(above));
        }
        stamps.add(denyListFile == null ? null : stamp(denyListFile));
        Map<Path, List<Object>> fileStamps = new HashMap<>();
        if (files != null) {
            for (Path file : files) {
                List<Object> stamp = stamp(file);
                fileStamps.put(file, stamp);
                stamps.add(file);
                stamps.add(stamp);
            }
        }
        boolean retryPending = cache.values().stream().anyMatch(Objects::isNull);
        if (current.get() != null && stamps.equals(lastStamps) && !retryPending) {
            return;
        }
        lastStamps = stamps;
        // The safety check waits mostly on getfacl processes: it runs beside the parsing.
        CompletableFuture<SafetyVerdict> safety = TrustStoreLoader.judgeAside(folder, identity);
        if (files == null) {
            cache.clear();
            publish(List.of(), List.of(new LoadProblem(folder, "the trust store folder " + folder
                    + " does not exist or cannot be read, so nothing is trusted")), safety);
            return;
        }
        Path realFolder = CertificateFiles.realPath(folder);
        List<TrustedCertificate> certificates = new ArrayList<>();
        List<LoadProblem> problems = new ArrayList<>();
        cache.keySet().retainAll(fileStamps.keySet());
        List<Path> changed = new ArrayList<>();
        for (Path file : files) {
            Cached cached = cache.get(file);
            if (cached == null || !cached.stamp().equals(fileStamps.get(file))) {
                changed.add(file);
            }
        }
        // The changed files (all of them at start-up) are parsed together, across the cores.
        List<CertificateFiles.FileResult> parsed = CertificateFiles.readFiles(changed, realFolder);
        Map<Path, CertificateFiles.FileResult> fresh = new HashMap<>();
        for (int i = 0; i < changed.size(); i++) {
            Path file = changed.get(i);
            CertificateFiles.FileResult result = parsed.get(i);
            parses.increment();
            fresh.put(file, result);
            boolean maybeHalfWritten = result.problem() != null && recentlyModified(file);
            // null marks "read again next pass": a file still being written is not judged yet.
            cache.put(file, maybeHalfWritten ? null : new Cached(fileStamps.get(file), result));
        }
        for (Path file : files) {
            CertificateFiles.FileResult result = fresh.containsKey(file) ? fresh.get(file) : cache.get(file).result();
            certificates.addAll(result.certificates());
            if (result.problem() != null) {
                problems.add(result.problem());
            }
        }
        publish(certificates, problems, safety);
    }

    private void publish(List<TrustedCertificate> certificates, List<LoadProblem> problems,
                         CompletableFuture<SafetyVerdict> safety) {
        List<LoadProblem> allProblems = new ArrayList<>(problems);
        DenyList deny = DenyList.empty();
        List<TrustedCertificate> trusted = certificates;
        if (denyListFile != null) {
            try {
                deny = DenyList.load(denyListFile);
            } catch (IOException | IllegalArgumentException e) {
                // A deny list that cannot be read might hide a revocation: trust nothing until it is fixed.
                allProblems.add(new LoadProblem(denyListFile, DenyList.UNUSABLE + e.getMessage()));
                trusted = List.of();
            }
        }
        TrustStoreSnapshot next = new TrustStoreSnapshot(folder, trusted, allProblems, safety.join(), deny, clock.instant());
        TrustStoreSnapshot previous = current.getAndSet(next);
        reportTrustChange(previous, next);
    }

    /** One log line when the trust store starts or stops trusting nothing, so an operator sees it happen. */
    private void reportTrustChange(TrustStoreSnapshot previous, TrustStoreSnapshot next) {
        String now = whyNothingIsTrusted(next);
        String before = previous == null ? null : whyNothingIsTrusted(previous);
        if (now != null && !now.equals(before)) {
            LOG.log(System.Logger.Level.WARNING, "The trust store " + folder + " trusts nothing now: " + now
                    + ". Every signed upload is rejected until it is fixed.");
        } else if (now == null && before != null) {
            LOG.log(System.Logger.Level.INFO, "The trust store " + folder + " is usable again (" + next.certificates().size()
                    + " certificates).");
        }
    }

    private static String whyNothingIsTrusted(TrustStoreSnapshot snapshot) {
        if (!snapshot.safety().safe()) {
            SafetyFinding first = snapshot.safety().findings().get(0);
            return first.path() + ": " + first.problem() + " (fix: " + first.fix() + ")";
        }
        for (LoadProblem problem : snapshot.problems()) {
            if (problem.message().startsWith(DenyList.UNUSABLE)) {
                return problem.file() + ": " + problem.message();
            }
        }
        return null;
    }

    private boolean recentlyModified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isAfter(clock.instant().minus(SETTLE));
        } catch (IOException e) {
            return true;
        }
    }

    private static final String STAMP_ATTRIBUTES = "unix:size,lastModifiedTime,ctime,ino,uid,gid,mode";
    private static final int FILE_TYPE = 0170000;
    private static final int SYMBOLIC_LINK = 0120000;

    /**
     * What identifies a version of a file: change any of it and the file is read and judged again.
     * The values are kept as read (no text), in a fixed order, since every file is stamped on every
     * pass; the mode tells a symbolic link, whose target is stamped too.
     */
    private static List<Object> stamp(Path path) {
        if (path == null) {
            return null;
        }
        try {
            Map<String, Object> link = Files.readAttributes(path, STAMP_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            List<Object> stamp = new ArrayList<>(14);
            addStamp(stamp, link);
            if ((((Integer) link.get("mode")) & FILE_TYPE) == SYMBOLIC_LINK) {
                addStamp(stamp, Files.readAttributes(path, STAMP_ATTRIBUTES));
            }
            return stamp;
        } catch (IOException | UnsupportedOperationException e) {
            return List.of("absent");
        }
    }

    private static void addStamp(List<Object> stamp, Map<String, Object> attributes) {
        for (String name : new String[] {"size", "lastModifiedTime", "ctime", "ino", "uid", "gid", "mode"}) {
            stamp.add(attributes.get(name));
        }
    }
}

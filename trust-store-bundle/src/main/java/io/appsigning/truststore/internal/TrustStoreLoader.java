package io.appsigning.truststore.internal;

import io.appsigning.truststore.TrustedCertificate;

import io.appsigning.truststore.TrustStoreSnapshot;

import io.appsigning.truststore.SafetyVerdict;

import io.appsigning.truststore.SafetyFinding;

import io.appsigning.truststore.LoadProblem;

import io.appsigning.truststore.Identity;

import io.appsigning.truststore.DenyList;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Builds a snapshot of a trust store folder in one go: what the CLI uses. */
public final class TrustStoreLoader {

    private TrustStoreLoader() {}

    /**
     * @param denyList the deny list file, or null for none; a bad deny list is reported as a load
     *                 problem and, failing closed, leaves the store with no certificates
     */
    public static TrustStoreSnapshot load(Path folder, Path denyList, Identity who, Clock clock) {
        return load(folder, denyList, judgeAside(folder, who), clock);
    }

    /**
     * Like {@link #load}, without judging the folder's safety: for a caller that verifies with the
     * loose trust store check, which never reads the verdict (the CLI's {@code verify}). The check
     * costs a getfacl process and a stat of every file. The snapshot's verdict says it was not
     * judged and counts as unsafe, so that a strict verifier handed this snapshot by mistake
     * trusts nothing rather than a folder nobody looked at.
     *
     * @param user the user name the verdict names
     */
    public static TrustStoreSnapshot loadWithoutSafetyCheck(Path folder, Path denyList, String user, Clock clock) {
        SafetyVerdict notJudged = new SafetyVerdict(user, false, List.of(new SafetyFinding(folder.toAbsolutePath().normalize(),
                "its safety was not judged by this loader", "appsign health --trust-store " + folder)));
        return load(folder, denyList, CompletableFuture.completedFuture(notJudged), clock);
    }

    private static TrustStoreSnapshot load(Path folder, Path denyList, CompletableFuture<SafetyVerdict> safety, Clock clock) {
        CertificateFiles.Contents contents = CertificateFiles.read(folder);
        List<TrustedCertificate> certificates = contents.certificates();
        List<LoadProblem> problems = new ArrayList<>(contents.problems());
        DenyList deny = DenyList.empty();
        if (denyList != null) {
            try {
                deny = DenyList.load(denyList);
            } catch (IOException | IllegalArgumentException e) {
                // A deny list that cannot be read might hide a revocation: trust nothing until it is fixed.
                problems.add(new LoadProblem(denyList, "the deny list cannot be used, so nothing is trusted: " + e.getMessage()));
                certificates = List.of();
            }
        }
        return new TrustStoreSnapshot(folder, certificates, problems, safety.join(), deny, clock.instant());
    }

    /**
     * The folder's safety verdict, judged on a thread of its own while the caller parses: the check
     * spends most of its time waiting for getfacl. Its own thread, not the common pool, which the
     * parsing fills.
     */
    static CompletableFuture<SafetyVerdict> judgeAside(Path folder, Identity who) {
        return CompletableFuture.supplyAsync(() -> TrustStoreSafety.check(folder, who), task -> {
            Thread thread = new Thread(task, "trust-store-safety");
            thread.setDaemon(true);
            thread.start();
        });
    }
}

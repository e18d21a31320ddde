package io.appsigning.health.internal;

import io.appsigning.health.HealthReport;

import io.appsigning.health.Status;

import io.appsigning.health.CheckResult;

import io.appsigning.truststore.LoadProblem;
import io.appsigning.truststore.SafetyFinding;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The trust store's two checks: is it protected, and are its certificates about to expire. */
public final class TrustStoreChecks {

    public static final String PERMISSIONS = "trust-store-permissions";
    public static final String EXPIRY = "certificate-expiry";
    public static final Duration DEFAULT_WARN_WITHIN = Duration.ofDays(30);

    private TrustStoreChecks() {}

    /** Both trust store checks on one snapshot, plus its unreadable files. */
    public static HealthReport run(TrustStoreSnapshot snapshot, boolean looseCheck, Instant at, Duration warnWithin) {
        return new HealthReport(List.of(
                permissions(snapshot.safety(), looseCheck, snapshot.problems()),
                expiry(snapshot.certificates(), at, warnWithin)));
    }

    public static CheckResult permissions(SafetyVerdict verdict, boolean looseCheck) {
        return permissions(verdict, looseCheck, List.of());
    }

    /**
     * CRITICAL when the product user can change the trust store (each finding with its fix) or the
     * deny list cannot be used (the product then trusts nothing),
     * WARN when that is accepted by {@code looseCheck}, when the product runs as root, or when
     * files were skipped; OK otherwise.
     */
    public static CheckResult permissions(SafetyVerdict verdict, boolean looseCheck, List<LoadProblem> problems) {
        List<String> messages = new ArrayList<>();
        Status status = Status.OK;
        for (SafetyFinding finding : verdict.findings()) {
            messages.add(finding.path() + ": " + finding.problem() + ". Fix: " + finding.fix());
        }
        if (!verdict.safe()) {
            if (looseCheck) {
                status = Status.WARN;
                messages.add("The trust store is not protected from the product user " + verdict.user()
                        + ", but trustStore.looseCheck=true accepts it. Fix the findings and turn looseCheck off.");
            } else {
                status = Status.CRITICAL;
                messages.add("The trust store is not protected from the product user " + verdict.user()
                        + ", so it trusts nothing: every upload is rejected with TRUST_STORE_UNSAFE until this is fixed.");
            }
        }
        if (verdict.runningAsRoot()) {
            status = status.worse(Status.WARN);
            messages.add("The product runs as root, from whom no folder can be protected. Run it as a dedicated user"
                    + " that does not own the trust store.");
        }
        for (LoadProblem problem : problems) {
            // A deny list that cannot be used makes the product trust nothing: as serious as an unsafe folder.
            status = status.worse(problem.message().startsWith(io.appsigning.truststore.DenyList.UNUSABLE) ? Status.CRITICAL : Status.WARN);
            messages.add(problem.message());
        }
        if (messages.isEmpty()) {
            messages.add("The trust store is protected from the product user " + verdict.user() + ".");
        }
        return new CheckResult(PERMISSIONS, status, messages);
    }

    /**
     * WARN for each certificate expiring within {@code warnWithin} of {@code at}, and for each one
     * expired or not yet valid (those are ignored by verification); OK otherwise.
     */
    public static CheckResult expiry(List<TrustedCertificate> certificates, Instant at, Duration warnWithin) {
        List<String> messages = new ArrayList<>();
        Status status = Status.OK;
        for (TrustedCertificate certificate : certificates) {
            Instant notAfter = certificate.certificate().getNotAfter().toInstant();
            Instant notBefore = certificate.certificate().getNotBefore().toInstant();
            String who = certificate.subject() + " (SHA-256 " + certificate.sha256() + ", " + certificate.source() + ")";
            if (!at.isBefore(notAfter)) {
                status = Status.WARN;
                messages.add(who + " expired on " + day(notAfter) + "; it is ignored. Remove it from the trust store.");
            } else if (at.isBefore(notBefore)) {
                status = Status.WARN;
                messages.add(who + " is not valid before " + day(notBefore) + "; it is ignored until then.");
            } else if (notAfter.isBefore(at.plus(warnWithin))) {
                status = Status.WARN;
                long days = Duration.between(at, notAfter).toDays();
                messages.add(who + " expires on " + day(notAfter) + ", in " + days + (days == 1 ? " day" : " days")
                        + ". Add its successor to the trust store before then.");
            }
        }
        if (status == Status.OK) {
            messages.add(certificates.size() + " trusted certificates; none expires within "
                    + warnWithin.toDays() + " days.");
        }
        return new CheckResult(EXPIRY, status, messages);
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }
}

package io.appsigning.gate;

import java.time.Instant;

/**
 * The signing policy: the keys of DESIGN.md's policy table, as one immutable value.
 *
 * @param mode             the mode for every origin without its own
 * @param enforceAfter     from this instant on, WARN acts as ENFORCE; null for no end of grace
 * @param uploadMode       the mode for uploads, or null to use {@code mode}
 * @param marketplaceMode  the mode for marketplace apps, or null to use {@code mode}
 * @param uploadEnabled    whether uploads are accepted at all, or null for the default
 *                         (on when the check is on)
 * @param looseTrustStore  accept an unsafe trust store (operator only)
 * @param adminMayRelax    whether the web UI and REST may relax the policy (operator only)
 * @param strict           refuse to resolve bundles that reached the framework by another path
 *                         than the gate or the plugins folder (operator only)
 */
public record Policy(
        Mode mode,
        Instant enforceAfter,
        Mode uploadMode,
        Mode marketplaceMode,
        Boolean uploadEnabled,
        boolean looseTrustStore,
        boolean adminMayRelax,
        boolean strict) {

    public static final Policy DEFAULT = new Policy(Mode.WARN, null, null, null, null, false, false, false);

    public Policy {
        if (mode == null) {
            throw new NullPointerException("mode");
        }
    }

    /** The configured mode for an origin, before the end of grace is applied. */
    public Mode configuredMode(Origin origin) {
        Mode own = origin == Origin.UPLOAD ? uploadMode : marketplaceMode;
        return own != null ? own : mode;
    }

    /** The mode that applies to an install from {@code origin} at {@code now}. */
    public Mode effectiveMode(Origin origin, Instant now) {
        Mode configured = configuredMode(origin);
        if (configured == Mode.WARN && enforceAfter != null && !now.isBefore(enforceAfter)) {
            return Mode.ENFORCE;
        }
        return configured;
    }

    /** Whether the manager accepts uploaded files at {@code now}. */
    public boolean uploadsAccepted(Instant now) {
        if (uploadEnabled != null) {
            return uploadEnabled;
        }
        return effectiveMode(Origin.UPLOAD, now) != Mode.OFF;
    }
}

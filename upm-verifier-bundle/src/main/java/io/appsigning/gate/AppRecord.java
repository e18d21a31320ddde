package io.appsigning.gate;

import io.appsigning.verifier.Flow;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.Signer;
import java.time.Instant;

/**
 * What is known of one installed app's signature, persisted across restarts.
 *
 * @param key         the Bundle-SymbolicName
 * @param version     the Bundle-Version
 * @param status      the signature status
 * @param flow        the flow that verified, or null
 * @param signer      who signed, or null unless verified
 * @param reason      the verification reason code, or null where no check ran
 * @param appSha256   lowercase hex SHA-256 of the installed bytes, or null where unknown
 * @param recordedAt  when the record was made (when the app was installed or updated)
 * @param installedBy who installed it: the administrator's user name, or {@code FILE_SYSTEM} or
 *                    {@code PRODUCT} where no person asked
 * @param dependencies for an app from an OBR archive, the locations of the dependency bundles it
 *                     installed (they go when no other app needs them); empty otherwise
 */
public record AppRecord(
        String key,
        String version,
        SignatureStatus status,
        Flow flow,
        Signer signer,
        ReasonCode reason,
        String appSha256,
        Instant recordedAt,
        String installedBy,
        java.util.List<String> dependencies) {

    public AppRecord {
        dependencies = dependencies == null ? java.util.List.of() : java.util.List.copyOf(dependencies);
    }

    /** A record of an app without dependency bundles. */
    public AppRecord(String key, String version, SignatureStatus status, Flow flow, Signer signer, ReasonCode reason,
                     String appSha256, Instant recordedAt, String installedBy) {
        this(key, version, status, flow, signer, reason, appSha256, recordedAt, installedBy, java.util.List.of());
    }
}

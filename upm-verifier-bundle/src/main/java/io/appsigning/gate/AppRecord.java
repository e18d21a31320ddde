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

    /**
     * The record's persisted form, the one every store writes (the single node's record file, the
     * cluster's database): plain values under stable names, in a stable order; null values left out.
     */
    public java.util.Map<String, Object> fields() {
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("key", key);
        fields.put("version", version);
        fields.put("status", status.name());
        putIfPresent(fields, "flow", flow == null ? null : flow.name());
        if (signer != null) {
            java.util.Map<String, Object> who = new java.util.LinkedHashMap<>();
            who.put("subject", signer.subject());
            who.put("sha256", signer.sha256());
            fields.put("signer", who);
        }
        putIfPresent(fields, "reason", reason == null ? null : reason.name());
        putIfPresent(fields, "appSha256", appSha256);
        fields.put("recordedAt", recordedAt.toString());
        putIfPresent(fields, "installedBy", installedBy);
        if (!dependencies.isEmpty()) {
            fields.put("dependencies", dependencies);
        }
        return fields;
    }

    /**
     * Reads {@link #fields()} back (as a JSON reader gives it: nested maps and lists).
     *
     * @throws IllegalArgumentException when a required field is missing or a name is unknown
     */
    public static AppRecord fromFields(java.util.Map<String, ?> fields) {
        Object signer = fields.get("signer");
        Signer who = null;
        if (signer instanceof java.util.Map<?, ?> map) {
            who = new Signer(String.valueOf(map.get("subject")), String.valueOf(map.get("sha256")));
        }
        java.util.List<String> dependencies = new java.util.ArrayList<>();
        if (fields.get("dependencies") instanceof java.util.List<?> list) {
            list.forEach(location -> dependencies.add(String.valueOf(location)));
        }
        String flow = text(fields, "flow");
        String reason = text(fields, "reason");
        return new AppRecord(required(fields, "key"), required(fields, "version"),
                SignatureStatus.valueOf(required(fields, "status")), flow == null ? null : Flow.valueOf(flow), who,
                reason == null ? null : ReasonCode.valueOf(reason), text(fields, "appSha256"),
                Instant.parse(required(fields, "recordedAt")), text(fields, "installedBy"), dependencies);
    }

    private static void putIfPresent(java.util.Map<String, Object> fields, String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
    }

    private static String text(java.util.Map<String, ?> fields, String name) {
        Object value = fields.get(name);
        return value == null ? null : String.valueOf(value);
    }

    private static String required(java.util.Map<String, ?> fields, String name) {
        String value = text(fields, name);
        if (value == null) {
            throw new IllegalArgumentException("an app record without \"" + name + "\"");
        }
        return value;
    }
}

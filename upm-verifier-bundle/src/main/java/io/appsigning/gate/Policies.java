package io.appsigning.gate;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The policy's text form: the keys of DESIGN.md's policy table, parsed strictly. */
public final class Policies {

    public static final String MODE = "mode";
    public static final String ENFORCE_AFTER = "enforceAfter";
    public static final String MODE_UPLOAD = "mode.upload";
    public static final String MODE_MARKETPLACE = "mode.marketplace";
    public static final String UPLOAD_ENABLED = "upload.enabled";
    public static final String LOOSE_CHECK = "trustStore.looseCheck";
    public static final String ADMIN_MAY_RELAX = "policy.adminMayRelax";
    public static final String STRICT = "strict";
    public static final List<String> KEYS = List.of(MODE, ENFORCE_AFTER, MODE_UPLOAD, MODE_MARKETPLACE, UPLOAD_ENABLED,
            LOOSE_CHECK, ADMIN_MAY_RELAX, STRICT);
    /** Keys that only the operator sets (the file, system or framework properties), never the web UI. */
    public static final List<String> OPERATOR_ONLY = List.of(LOOSE_CHECK, ADMIN_MAY_RELAX, STRICT);

    private Policies() {}

    /**
     * Parses policy keys; a missing or empty value means the default.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key or a bad value
     */
    public static Policy parse(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown policy key '" + key + "'; the keys are " + KEYS);
            }
        }
        Mode mode = mode(values, MODE);
        return new Policy(mode != null ? mode : Mode.WARN, instant(values.get(ENFORCE_AFTER)),
                mode(values, MODE_UPLOAD), mode(values, MODE_MARKETPLACE), bool(values, UPLOAD_ENABLED),
                Boolean.TRUE.equals(bool(values, LOOSE_CHECK)), Boolean.TRUE.equals(bool(values, ADMIN_MAY_RELAX)),
                Boolean.TRUE.equals(bool(values, STRICT)));
    }

    /** The keys as text, null for a key left to its default. */
    public static Map<String, String> format(Policy policy) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(MODE, policy.mode().name());
        values.put(ENFORCE_AFTER, policy.enforceAfter() == null ? null : policy.enforceAfter().toString());
        values.put(MODE_UPLOAD, policy.uploadMode() == null ? null : policy.uploadMode().name());
        values.put(MODE_MARKETPLACE, policy.marketplaceMode() == null ? null : policy.marketplaceMode().name());
        values.put(UPLOAD_ENABLED, policy.uploadEnabled() == null ? null : policy.uploadEnabled().toString());
        values.put(LOOSE_CHECK, Boolean.toString(policy.looseTrustStore()));
        values.put(ADMIN_MAY_RELAX, Boolean.toString(policy.adminMayRelax()));
        values.put(STRICT, Boolean.toString(policy.strict()));
        return values;
    }

    /**
     * Validates one key's value as {@link #parse} would, without building a policy.
     *
     * @throws IllegalArgumentException naming the key
     */
    public static void check(String key, String value) {
        parse(value == null ? Map.of() : Map.of(key, value));
    }

    /** An ISO-8601 date (the start of that day, UTC) or instant. */
    public static Instant instant(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String value = text.strip();
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(ENFORCE_AFTER + " must be an ISO-8601 date (2027-01-31) or instant"
                    + " (2027-01-31T00:00:00Z), not '" + value + "'");
        }
    }

    private static Mode mode(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Mode.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be OFF, WARN or ENFORCE, not '" + value.strip() + "'");
        }
    }

    private static Boolean bool(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + value.strip() + "'");
        };
    }
}

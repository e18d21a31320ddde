package io.appsigning.gate.internal;

import io.appsigning.gate.Mode;
import io.appsigning.gate.Origin;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the policy's layers combine: the operator's floor (the file, then system or framework
 * properties over it) and the administrator's values over that, which may only tighten it unless
 * the floor says {@code policy.adminMayRelax=true}. Plain values in, plain values out.
 */
final class PolicyLayers {

    /**
     * @param file   the operator's file, key by key
     * @param system system or framework properties, key by key (they win over the file)
     * @param admin  the administrator's values (web UI, REST, Configuration Admin), key by key
     */
    record Layers(Map<String, String> file, Map<String, String> system, Map<String, String> admin) {
        Layers {
            file = Map.copyOf(file);
            system = Map.copyOf(system);
            admin = Map.copyOf(admin);
        }
    }

    private PolicyLayers() {}

    /** The operator's floor; throws IllegalArgumentException when it does not parse. */
    static Policy floor(Layers layers) {
        Map<String, String> merged = new HashMap<>(layers.file());
        merged.putAll(layers.system());
        return Policies.parse(merged);
    }

    /** The effective policy: the floor, tightened (or, where the operator allows, changed) by the admin. */
    static Policy effective(Layers layers) {
        Policy floor = floor(layers);
        Map<String, String> admin = withoutOperatorKeys(layers.admin());
        if (floor.adminMayRelax()) {
            Map<String, String> merged = new HashMap<>(layers.file());
            merged.putAll(layers.system());
            merged.putAll(admin);
            return Policies.parse(merged);
        }
        Policies.parse(admin); // the admin's values must parse on their own
        Mode generalAdmin = mode(admin.get(Policies.MODE));
        Mode uploadAdmin = firstNonNull(mode(admin.get(Policies.MODE_UPLOAD)), generalAdmin);
        Mode marketAdmin = firstNonNull(mode(admin.get(Policies.MODE_MARKETPLACE)), generalAdmin);
        Mode general = stricter(floor.mode(), generalAdmin);
        Mode upload = stricter(floor.configuredMode(Origin.UPLOAD), uploadAdmin);
        Mode market = stricter(floor.configuredMode(Origin.MARKETPLACE), marketAdmin);
        Instant enforceAfter = earlier(floor.enforceAfter(), Policies.instant(admin.get(Policies.ENFORCE_AFTER)));
        Boolean uploadEnabled = "false".equalsIgnoreCase(strip(admin.get(Policies.UPLOAD_ENABLED))) ? Boolean.FALSE : floor.uploadEnabled();
        return new Policy(general, enforceAfter, upload == general ? null : upload, market == general ? null : market,
                uploadEnabled, floor.looseTrustStore(), floor.adminMayRelax(), floor.strict());
    }

    /**
     * The keys of a proposed change that would relax {@code current} (or that only the operator
     * sets); empty when the change only tightens.
     */
    static List<String> relaxations(Policy current, Policy proposed, Map<String, String> changes, Instant now) {
        List<String> relaxed = new ArrayList<>();
        for (String key : changes.keySet()) {
            if (Policies.OPERATOR_ONLY.contains(key)) {
                relaxed.add(key);
            }
        }
        if (current.adminMayRelax()) {
            return relaxed;
        }
        if (proposed.mode().ordinal() < current.mode().ordinal() || laxer(changes, Policies.MODE, current.mode())) {
            relaxed.add(Policies.MODE);
        }
        if (proposed.configuredMode(Origin.UPLOAD).ordinal() < current.configuredMode(Origin.UPLOAD).ordinal()
                || laxer(changes, Policies.MODE_UPLOAD, current.configuredMode(Origin.UPLOAD))) {
            relaxed.add(Policies.MODE_UPLOAD);
        }
        if (proposed.configuredMode(Origin.MARKETPLACE).ordinal() < current.configuredMode(Origin.MARKETPLACE).ordinal()
                || laxer(changes, Policies.MODE_MARKETPLACE, current.configuredMode(Origin.MARKETPLACE))) {
            relaxed.add(Policies.MODE_MARKETPLACE);
        }
        Instant askedEnd = changes.containsKey(Policies.ENFORCE_AFTER) ? Policies.instant(changes.get(Policies.ENFORCE_AFTER)) : null;
        if (current.enforceAfter() != null && (proposed.enforceAfter() == null || proposed.enforceAfter().isAfter(current.enforceAfter())
                || changes.containsKey(Policies.ENFORCE_AFTER) && (askedEnd == null || askedEnd.isAfter(current.enforceAfter())))) {
            relaxed.add(Policies.ENFORCE_AFTER);
        }
        boolean asksUploadsOn = "true".equalsIgnoreCase(strip(changes.get(Policies.UPLOAD_ENABLED)));
        if (!current.uploadsAccepted(now) && (proposed.uploadsAccepted(now) || asksUploadsOn)
                || Boolean.FALSE.equals(current.uploadEnabled()) && changes.containsKey(Policies.UPLOAD_ENABLED) && !"false".equalsIgnoreCase(strip(changes.get(Policies.UPLOAD_ENABLED)))) {
            relaxed.add(Policies.UPLOAD_ENABLED);
        }
        return relaxed.stream().distinct().toList();
    }

    /** Where each key's value in force comes from: default, file, system or admin. */
    static Map<String, String> sources(Layers layers, Policy effective) {
        Policy floor = floor(layers);
        Map<String, String> formattedFloor = Policies.format(floor);
        Map<String, String> formattedEffective = Policies.format(effective);
        Map<String, String> sources = new LinkedHashMap<>();
        for (String key : Policies.KEYS) {
            String operator = layers.system().containsKey(key) ? "system" : layers.file().containsKey(key) ? "file" : "default";
            boolean adminSet = !Policies.OPERATOR_ONLY.contains(key) && layers.admin().containsKey(key);
            boolean differs = !java.util.Objects.equals(formattedFloor.get(key), formattedEffective.get(key))
                    || key.equals(Policies.MODE_UPLOAD) && floor.configuredMode(Origin.UPLOAD) != effective.configuredMode(Origin.UPLOAD)
                    || key.equals(Policies.MODE_MARKETPLACE) && floor.configuredMode(Origin.MARKETPLACE) != effective.configuredMode(Origin.MARKETPLACE);
            sources.put(key, adminSet && differs ? "admin" : operator);
        }
        return sources;
    }

    static Map<String, String> withoutOperatorKeys(Map<String, String> values) {
        Map<String, String> kept = new HashMap<>(values);
        kept.keySet().removeAll(Policies.OPERATOR_ONLY);
        kept.values().removeIf(value -> value == null || value.isBlank());
        return kept;
    }

    private static boolean laxer(Map<String, String> changes, String key, Mode current) {
        if (!changes.containsKey(key)) {
            return false;
        }
        Mode asked = mode(changes.get(key));
        return asked != null && asked.ordinal() < current.ordinal();
    }

    private static Mode mode(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return Mode.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
    }

    private static Mode stricter(Mode a, Mode b) {
        return b == null || a.ordinal() >= b.ordinal() ? a : b;
    }

    private static <T> T firstNonNull(T a, T b) {
        return a != null ? a : b;
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static String strip(String value) {
        return value == null ? null : value.strip();
    }
}

package io.appsigning.gate.internal;

import io.appsigning.gate.Mode;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyService;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Properties;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * The policy in force: {@code <home>/upmconfig/signing.properties}, overridden key by key by
 * Configuration Admin (PID {@code io.appsigning.policy}), which the admin UI writes. A change
 * applies to the next install. A policy that does not parse fails closed: ENFORCE.
 */
@Component(service = PolicyService.class, configurationPid = PolicyService.PID, immediate = true)
public final class PolicyComponent implements PolicyService {

    private static final System.Logger LOG = System.getLogger(PolicyComponent.class.getName());
    /** What a broken configuration falls back to: the check stays on and nothing unverified installs. */
    static final Policy FAIL_CLOSED = new Policy(Mode.ENFORCE, null, null, null, null, false);

    @Reference
    private ConfigurationAdmin configurationAdmin;

    private Path propertiesFile;
    private volatile Map<String, String> fromFile = Map.of();
    private volatile Map<String, String> fromConfigAdmin = Map.of();
    private volatile Policy policy = Policy.DEFAULT;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        String home = context.getProperty("appsigning.home") != null ? context.getProperty("appsigning.home") : "upm-home";
        propertiesFile = Path.of(home, "upmconfig", "signing.properties");
        fromFile = readFile(propertiesFile);
        modified(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        Map<String, String> configured = new HashMap<>();
        for (String key : Policies.KEYS) {
            Object value = properties.get(key);
            if (value != null) {
                configured.put(key, String.valueOf(value));
            }
        }
        fromConfigAdmin = configured;
        policy = parseOrFailClosed();
    }

    private Policy parseOrFailClosed() {
        Map<String, String> merged = new HashMap<>(fromFile);
        merged.putAll(fromConfigAdmin);
        try {
            return Policies.parse(merged);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.ERROR, "The signing policy is invalid (" + e.getMessage() + "); enforcing signatures until it is"
                    + " fixed in " + propertiesFile + " or Configuration Admin PID " + PID + ".");
            return FAIL_CLOSED;
        }
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.exists(file)) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.ERROR, "Cannot read " + file + ": " + e.getMessage() + "; enforcing signatures until it is fixed.");
            return Map.of(Policies.MODE, Mode.ENFORCE.name());
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name)));
        return values;
    }

    @Override
    public Policy current() {
        return policy;
    }

    @Override
    public synchronized Policy update(Map<String, String> changes) {
        Map<String, String> configured = new HashMap<>(fromConfigAdmin);
        changes.forEach((key, value) -> {
            if (!Policies.KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown policy key '" + key + "'; the keys are " + Policies.KEYS);
            }
            if (value == null || value.isBlank()) {
                configured.remove(key);
            } else {
                configured.put(key, value.strip());
            }
        });
        Map<String, String> merged = new HashMap<>(fromFile);
        merged.putAll(configured);
        Policy updated = Policies.parse(merged); // throws before anything changes
        try {
            Configuration configuration = configurationAdmin.getConfiguration(PID, "?");
            Dictionary<String, Object> properties = configuration.getProperties();
            Dictionary<String, Object> next = new Hashtable<>();
            if (properties != null) {
                for (var keys = properties.keys(); keys.hasMoreElements(); ) {
                    String key = keys.nextElement();
                    if (!Policies.KEYS.contains(key)) {
                        next.put(key, properties.get(key));
                    }
                }
            }
            configured.forEach(next::put);
            configuration.update(next);
        } catch (IOException e) {
            throw new IllegalStateException("the policy could not be saved: " + e.getMessage(), e);
        }
        fromConfigAdmin = configured;
        policy = updated;
        LOG.log(Level.INFO, "Signing policy changed: " + Policies.format(updated));
        return updated;
    }
}

package io.appsigning.gate.internal;

import io.appsigning.gate.Mode;
import io.appsigning.gate.Policies;
import io.appsigning.gate.Policy;
import io.appsigning.gate.PolicyLockedException;
import io.appsigning.gate.PolicyService;
import io.appsigning.gate.PolicyView;
import io.appsigning.cluster.ClusterLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The policy in force. The operator's {@code upmconfig/signing.properties} (followed live) and
 * system or framework properties ({@code appsigning.<key>}, and {@code appsigning.check.disabled})
 * set the floor; the administrator's values (REST and UI, kept in {@code data/admin-policy.properties}
 * so that a wiped framework cache never relaxes anything, and Configuration Admin PID
 * {@value PolicyService#PID}, which the Web Console edits) may only tighten it. A floor that does
 * not parse fails closed: ENFORCE. Every change of the effective policy is audited.
 */
@Component(service = PolicyService.class, configurationPid = PolicyService.PID, immediate = true)
@Designate(ocd = PolicyComponent.Config.class)
public final class PolicyComponent implements PolicyService {

    @ObjectClassDefinition(name = "App signing policy",
            description = "The administrator's tightenings of the operator's policy (upmconfig/signing.properties)."
                    + " Values that would relax the operator's floor are ignored; the operator edits the file.")
    public @interface Config {
        @AttributeDefinition(name = "Mode", required = false, description = "OFF, WARN or ENFORCE for every origin",
                options = {@Option(label = "(the operator's)", value = ""), @Option(label = "OFF", value = "OFF"),
                           @Option(label = "WARN", value = "WARN"), @Option(label = "ENFORCE", value = "ENFORCE")})
        String mode() default "";

        @AttributeDefinition(name = "Enforce after", required = false,
                description = "ISO-8601 date or instant: from then on WARN acts as ENFORCE")
        String enforceAfter() default "";

        @AttributeDefinition(name = "Mode for uploads", required = false,
                options = {@Option(label = "(as mode)", value = ""), @Option(label = "OFF", value = "OFF"),
                           @Option(label = "WARN", value = "WARN"), @Option(label = "ENFORCE", value = "ENFORCE")})
        String mode_upload() default "";

        @AttributeDefinition(name = "Mode for marketplace apps", required = false,
                options = {@Option(label = "(as mode)", value = ""), @Option(label = "OFF", value = "OFF"),
                           @Option(label = "WARN", value = "WARN"), @Option(label = "ENFORCE", value = "ENFORCE")})
        String mode_marketplace() default "";

        @AttributeDefinition(name = "Uploads enabled", required = false,
                description = "false turns uploads off; true cannot turn on what the operator turned off",
                options = {@Option(label = "(the operator's)", value = ""), @Option(label = "true", value = "true"),
                           @Option(label = "false", value = "false")})
        String upload_enabled() default "";
    }

    static final String ADMIN_FILE = "admin-policy.properties";
    static final String KILL_SWITCH = "appsigning.check.disabled";
    private static final System.Logger LOG = System.getLogger(PolicyComponent.class.getName());
    private static final long POLL_SECONDS = 2;

    @Reference
    private HomeStore home;

    /** Data Center mode: the admin's values live in the cluster's database, so that every node holds them at once. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ClusterLedger ledger;

    private Path operatorFile;
    private Path adminFile;
    private Map<String, String> system = Map.of();
    private Map<String, String> file = Map.of();
    private Map<String, String> adminStored = Map.of();
    private Map<String, String> configAdmin = Map.of();
    private FileStamp fileStamp;
    private volatile State state;
    private ScheduledExecutorService follower;

    /** The inputs and what they give; replaced as a whole, so that readers never see a mix. */
    private record State(PolicyLayers.Layers layers, Policy policy, Map<String, String> sources, String problem) {}

    private record FileStamp(FileTime modified, long size) {}

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        system = systemValues(context::getProperty);
        operatorFile = home.upmconfig().resolve("signing.properties");
        adminFile = home.data().resolve(ADMIN_FILE);
        fileStamp = stamp(operatorFile);
        file = readOperatorFile(operatorFile);
        adminStored = home.clustered() ? adminFromCluster().orElse(Map.of()) : readAdminFile(adminFile);
        configAdmin = fromConfigAdmin(properties);
        synchronized (this) {
            recompute("start-up", "PRODUCT");
        }
        LOG.log(Level.INFO, "Signing policy: " + describe(state));
        follower = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "appsigning-policy-file");
            thread.setDaemon(true);
            return thread;
        });
        follower.scheduleWithFixedDelay(this::followFile, POLL_SECONDS, POLL_SECONDS, TimeUnit.SECONDS);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        configAdmin = fromConfigAdmin(properties);
        recompute("Configuration Admin", "configadmin");
    }

    @Deactivate
    void deactivate() {
        follower.shutdownNow();
    }

    /** The operator's file is followed like the trust store: an edit applies within seconds. */
    private void followFile() {
        try {
            FileStamp now = stamp(operatorFile);
            if (Objects.equals(now, fileStamp)) {
                return;
            }
            synchronized (this) {
                fileStamp = now;
                file = readOperatorFile(operatorFile);
                recompute(operatorFile.toString(), "operator");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Could not follow " + operatorFile + ": " + e);
        }
    }

    static Map<String, String> systemValues(java.util.function.Function<String, String> properties) {
        Map<String, String> values = new HashMap<>();
        for (String key : Policies.KEYS) {
            String value = properties.apply("appsigning." + key);
            if (value != null && !value.isBlank()) {
                values.put(key, value.strip());
            }
        }
        if ("true".equalsIgnoreCase(String.valueOf(properties.apply(KILL_SWITCH)).strip())) {
            // The kill switch wins over every mode the file sets, origin by origin.
            values.put(Policies.MODE, Mode.OFF.name());
            values.put(Policies.MODE_UPLOAD, Mode.OFF.name());
            values.put(Policies.MODE_MARKETPLACE, Mode.OFF.name());
        }
        return values;
    }

    private static Map<String, String> fromConfigAdmin(Map<String, Object> properties) {
        Map<String, String> values = new HashMap<>();
        for (String key : Policies.KEYS) {
            Object value = properties.get(key);
            if (value != null && !String.valueOf(value).isBlank()) {
                values.put(key, String.valueOf(value).strip());
            }
        }
        return values;
    }

    /** Must run with this object's lock held. */
    private void recompute(String cause, String user) {
        State previous = state;
        Map<String, String> admin = new HashMap<>(configAdmin);
        admin.putAll(adminStored);
        PolicyLayers.Layers layers = new PolicyLayers.Layers(file, system, PolicyLayers.withoutOperatorKeys(admin));
        State next;
        try {
            Policy policy = PolicyLayers.effective(layers);
            next = new State(layers, policy, PolicyLayers.sources(layers, policy), null);
        } catch (IllegalArgumentException e) {
            next = failClosed(layers, e.getMessage());
        }
        if (!configAdmin.isEmpty() && next.problem() == null && !next.policy().adminMayRelax()) {
            List<String> ignored = ignoredConfigAdminValues(layers);
            if (!ignored.isEmpty()) {
                LOG.log(Level.WARNING, "Configuration Admin (PID " + PID + ") asks to relax " + ignored + " below the"
                        + " operator's policy; ignored. The operator relaxes the policy in " + operatorFile + ".");
            }
        }
        if (previous == null || !previous.policy().equals(next.policy()) || !Objects.equals(previous.problem(), next.problem())) {
            if (previous != null) {
                LOG.log(Level.INFO, "Signing policy changed (" + cause + "): " + describe(next));
            }
            // On record before it is in force: whoever sees the new policy finds its audit line already written.
            if (user != null) {
                auditChange(previous == null ? "POLICY_IN_FORCE" : "POLICY_CHANGED", cause, user, next);
            }
        }
        state = next;
    }

    /** The Configuration Admin values that ask for less than the operator's floor, and are therefore ignored. */
    private List<String> ignoredConfigAdminValues(PolicyLayers.Layers layers) {
        Policy floor = PolicyLayers.floor(layers);
        return PolicyLayers.relaxations(floor, floor, configAdmin, Instant.now());
    }

    private State failClosed(PolicyLayers.Layers layers, String problem) {
        LOG.log(Level.ERROR, "The signing policy is invalid (" + problem + "); enforcing signatures until it is fixed in "
                + operatorFile + ".");
        Policy closed = new Policy(Mode.ENFORCE, null, null, null, null, false, false, true);
        Map<String, String> sources = new LinkedHashMap<>();
        Policies.KEYS.forEach(key -> sources.put(key, "default"));
        return new State(layers, closed, sources, problem);
    }

    private void auditChange(String decision, String cause, String user, State next) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("user", user);
        line.put("decision", decision);
        line.put("source", cause);
        line.put("policy", new TreeMap<>(Policies.format(next.policy())));
        if (next.problem() != null) {
            line.put("problem", next.problem());
        }
        try {
            home.audit(line);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Could not write the policy change to the audit log: " + e.getMessage());
        }
    }

    /**
     * The admin's values as the cluster's database holds them now (the ledger's last known ones
     * while it cannot be reached); empty on a single node or before the database bundle is there.
     */
    private Optional<Map<String, String>> adminFromCluster() {
        ClusterLedger current = ledger;
        if (current == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PolicyLayers.withoutOperatorKeys(current.adminPolicy()));
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "Could not read the administrator's policy from the cluster database: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Read on every use: a tightening made on another node holds here at once, not after a
     * notification's delay. The node that made the change audited it; this one only logs it.
     */
    private void followCluster() {
        if (!home.clustered()) {
            return;
        }
        Optional<Map<String, String>> stored = adminFromCluster();
        if (stored.isEmpty() || stored.get().equals(adminStored)) {
            return;
        }
        synchronized (this) {
            if (!stored.get().equals(adminStored)) {
                adminStored = Map.copyOf(stored.get());
                recompute("administrator, on another node", null);
            }
        }
    }

    @Override
    public Policy current() {
        followCluster();
        return state.policy();
    }

    @Override
    public boolean strict() {
        return state.policy().strict();
    }

    @Override
    public PolicyView view() {
        followCluster();
        State now = state;
        return new PolicyView(now.policy(), now.sources(), operatorFile.toString());
    }

    @Override
    public synchronized Policy update(Map<String, String> changes, String user) {
        followCluster();
        Map<String, String> nextAdmin = new HashMap<>(adminStored);
        changes.forEach((key, value) -> {
            if (!Policies.KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown policy key '" + key + "'; the keys are " + Policies.KEYS);
            }
            if (value != null && !value.isBlank()) {
                Policies.check(key, value);
            }
        });
        State current = state;
        if (current.problem() != null) {
            throw new PolicyLockedException(List.copyOf(changes.keySet()), operatorFile.toString(), "The operator's policy in "
                    + operatorFile + " is invalid (" + current.problem() + "), so signatures are enforced until it is fixed there.");
        }
        changes.forEach((key, value) -> {
            if (value == null || value.isBlank()) {
                nextAdmin.remove(key);
            } else {
                nextAdmin.put(key, value.strip());
            }
        });
        Map<String, String> combined = new HashMap<>(configAdmin);
        combined.putAll(nextAdmin);
        PolicyLayers.Layers proposedLayers = new PolicyLayers.Layers(file, system, PolicyLayers.withoutOperatorKeys(combined));
        Policy proposed = PolicyLayers.effective(proposedLayers);
        List<String> locked = PolicyLayers.relaxations(current.policy(), proposed, changes, Instant.now());
        if (!locked.isEmpty()) {
            boolean operatorOnly = Policies.OPERATOR_ONLY.containsAll(locked);
            throw new PolicyLockedException(locked, operatorFile.toString(), (operatorOnly
                    ? locked + " can only be set by the operator"
                    : "Changing " + locked + " this way would relax the signing policy, which only the operator may do")
                    + ": edit " + operatorFile + " on the server" + (operatorOnly ? "." : " (or set policy.adminMayRelax=true there)."));
        }
        nextAdmin.keySet().removeAll(Policies.OPERATOR_ONLY);
        if (home.clustered()) {
            try {
                home.ledger().saveAdminPolicy(nextAdmin);
            } catch (IOException e) {
                throw new UncheckedIOException("The policy was not changed: " + e.getMessage(), e);
            }
        } else {
            writeAdminFile(adminFile, nextAdmin);
        }
        adminStored = Map.copyOf(nextAdmin);
        recompute("administrator", user);
        return state.policy();
    }

    private static FileStamp stamp(Path file) {
        try {
            return new FileStamp(Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, String> readOperatorFile(Path file) {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, String> values = load(file);
            for (String key : values.keySet()) {
                if (!Policies.KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown policy key '" + key + "'");
                }
            }
            return values;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.ERROR, "Cannot read " + file + ": " + e.getMessage() + "; enforcing signatures until it is fixed.");
            return Map.of(Policies.MODE, Mode.ENFORCE.name(), Policies.STRICT, "true");
        }
    }

    private static Map<String, String> readAdminFile(Path file) {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            return PolicyLayers.withoutOperatorKeys(load(file));
        } catch (IOException | IllegalArgumentException e) {
            // The admin's tightenings cannot be read: keep the strictest reading rather than drop them.
            LOG.log(Level.ERROR, "Cannot read the administrator's policy " + file + ": " + e.getMessage() + "; enforcing signatures.");
            return Map.of(Policies.MODE, Mode.ENFORCE.name());
        }
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> {
            String value = properties.getProperty(name).strip();
            if (!value.isEmpty()) {
                values.put(name.strip(), value);
            }
        });
        return values;
    }

    private static void writeAdminFile(Path file, Map<String, String> values) {
        Properties properties = new Properties();
        values.forEach(properties::setProperty);
        try {
            Path temp = Files.createTempFile(file.getParent(), ".admin-policy", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(temp)) {
                properties.store(out, "The administrator's tightenings of the signing policy; written by the product");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("the policy could not be saved: " + e.getMessage(), e);
        }
    }

    private static String describe(State state) {
        return new TreeMap<>(Policies.format(state.policy())) + " sources " + state.sources()
                + (state.problem() == null ? "" : " (invalid: " + state.problem() + ")");
    }
}

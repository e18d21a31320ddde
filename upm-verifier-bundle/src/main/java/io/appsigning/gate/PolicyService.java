package io.appsigning.gate;

import java.util.Map;

/**
 * The policy in force (a service). The operator's {@code upmconfig/signing.properties} and system
 * or framework properties set the floor; the administrator (web UI, REST, Configuration Admin PID
 * {@value #PID}) may only tighten it, unless the operator's file says
 * {@code policy.adminMayRelax=true}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface PolicyService {

    String PID = "io.appsigning.policy";

    /** The effective policy: the floor tightened by the administrator. */
    Policy current();

    /**
     * Strict mode, which only the operator sets ({@code strict}): the same as
     * {@code current().strict()}, but answered without asking a Data Center cluster's database for
     * the administrator's values, which cannot change it. The framework's resolver asks this on
     * every resolve, and must never wait on a database for it.
     */
    boolean strict();

    /** The effective policy with where each key's value comes from. */
    PolicyView view();

    /**
     * The administrator's change of some policy keys (DESIGN.md names); an empty or null value
     * resets a key. Applies to the next install without restart, survives restarts and a wiped
     * framework cache, and is audited.
     *
     * @throws IllegalArgumentException for an unknown key or a value that does not parse; nothing
     *                                  is changed then
     * @throws java.io.UncheckedIOException when the change could not be stored (in Data Center mode: the
     *                                  cluster database cannot be reached); nothing is changed then
     * @throws PolicyLockedException    when the change would relax the effective policy, or sets a
     *                                  key only the operator sets; nothing is changed then
     */
    Policy update(Map<String, String> changes, String user);
}

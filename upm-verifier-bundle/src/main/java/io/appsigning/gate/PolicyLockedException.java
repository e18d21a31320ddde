package io.appsigning.gate;

import java.util.List;

/**
 * A change of the policy that only the operator may make: it relaxes the effective policy, or it
 * sets a key that only the operator's file sets. Nothing was changed.
 */
public final class PolicyLockedException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final List<String> keys;
    private final String operatorFile;

    public PolicyLockedException(List<String> keys, String operatorFile, String message) {
        super(message);
        this.keys = List.copyOf(keys);
        this.operatorFile = operatorFile;
    }

    /** The keys that may not be changed this way. */
    public List<String> keys() {
        return keys;
    }

    /** The file in which the operator may make this change. */
    public String operatorFile() {
        return operatorFile;
    }
}

package io.appsigning.cluster;

import java.io.IOException;

/** The cluster's database cannot be reached (or the change could not be committed): nothing was changed. */
public class ClusterUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ClusterUnavailableException(String message) {
        super(message);
    }
}

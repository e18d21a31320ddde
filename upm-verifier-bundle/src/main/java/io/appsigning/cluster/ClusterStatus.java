package io.appsigning.cluster;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** This node's place in the cluster (a service, registered only in Data Center mode), for REST and health. */
@ProviderType
public interface ClusterStatus {

    /** This node's own report, as of its last synchronisation. */
    NodeStatus local();

    /** Every node's last report (this node's from memory when the database cannot be reached). */
    List<NodeStatus> nodes();

    /** Whether the database answered the last time it was asked. */
    boolean databaseReachable();
}

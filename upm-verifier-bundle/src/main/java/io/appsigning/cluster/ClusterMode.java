package io.appsigning.cluster;

/** The framework properties that switch a product node into Data Center mode. */
public final class ClusterMode {

    /** The JDBC URL of the cluster's database; set only in Data Center mode. */
    public static final String DATABASE = "appsigning.cluster.db";
    /** This node's name in the cluster (reports, audit lines). */
    public static final String NODE_ID = "appsigning.cluster.nodeId";
    /** The shared home: {@code upmconfig/} and the accepted apps live under it. */
    public static final String SHARED_HOME = "appsigning.sharedHome";

    private ClusterMode() {}

    /** Whether a framework property value (from {@code BundleContext.getProperty(DATABASE)}) turns the mode on. */
    public static boolean on(String databaseProperty) {
        return databaseProperty != null && !databaseProperty.isBlank();
    }
}

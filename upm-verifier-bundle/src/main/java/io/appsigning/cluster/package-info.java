/**
 * Data Center mode: the cluster's shared state (app changes, the one audit chain, the admin's
 * policy, sessions, the nodes' reports), as services that a database-backed bundle provides and
 * the gate, the policy, the plugin manager and the health checks use. None of these services is
 * registered on a single node; there, everything stays on the node's own files.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.appsigning.cluster;

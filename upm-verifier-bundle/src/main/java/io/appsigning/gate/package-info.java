/**
 * The install gate on the plugin manager's install path, the signing policy and the per-app
 * signature records. These are the services the plugin manager and the health checks use.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.appsigning.gate;
